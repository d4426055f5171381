import calendar
import datetime as dt
import re

from django import forms

from jingfang.core import clock

from . import vocab
from .models import Enrolment, Facility, Team, TeamMember

DATE = {"type": "date"}


def _not_future(form, name: str, label: str) -> None:
    value = form.cleaned_data.get(name)
    if value and value > clock.today():
        form.add_error(name, f"{label}不能晚于今天")


class FacilityForm(forms.ModelForm):
    class Meta:
        model = Facility
        fields = ["name", "kind", "kind_other", "operator", "operator_name", "address", "places", "opened_on",
                  "status", "closed_on", "note"]
        widgets = {"opened_on": forms.DateInput(attrs=DATE), "closed_on": forms.DateInput(attrs=DATE)}

    def clean_places(self):
        places = self.cleaned_data["places"]
        if places is not None and not 1 <= places <= 10000:
            raise forms.ValidationError("应为1到10000之间的整数")
        return places

    def clean(self):
        data = super().clean()
        if data.get("kind") == vocab.OTHER_KIND and not (data.get("kind_other") or "").strip():
            self.add_error("kind_other", "机构形式选“其他形式（县定）”时请填写其他形式名称")
        if data.get("kind") and data.get("kind") != vocab.OTHER_KIND:
            data["kind_other"] = ""
        _not_future(self, "opened_on", "开办日期")
        opened, closed, status = data.get("opened_on"), data.get("closed_on"), data.get("status")
        if status == vocab.CLOSED and not closed:
            self.add_error("closed_on", "运营状态为“已关闭”时请填写关闭日期")
        if closed and status and status != vocab.CLOSED:
            self.add_error("closed_on", "只有已关闭的机构填写关闭日期")
        if opened and closed and closed < opened:
            self.add_error("closed_on", "关闭日期不能早于开办日期")
        _not_future(self, "closed_on", "关闭日期")
        return data


class TeamForm(forms.ModelForm):
    region_code = forms.CharField(label="服务区划", max_length=12)

    class Meta:
        model = Team
        fields = ["name", "host", "formed_on", "note"]
        widgets = {"formed_on": forms.DateInput(attrs=DATE)}

    def clean(self):
        data = super().clean()
        _not_future(self, "formed_on", "组建日期")
        return data


class MemberForm(forms.ModelForm):
    class Meta:
        model = TeamMember
        fields = ["name", "role", "unit", "joined_on", "left_on"]
        widgets = {"joined_on": forms.DateInput(attrs=DATE), "left_on": forms.DateInput(attrs=DATE)}

    def clean(self):
        data = super().clean()
        joined, left = data.get("joined_on"), data.get("left_on")
        if joined and left and left < joined:
            self.add_error("left_on", "退出日期不能早于加入日期")
        return data


class EnrolForm(forms.ModelForm):
    facility_id = forms.CharField(label="康复机构", required=False, max_length=20)

    class Meta:
        model = Enrolment
        fields = ["programme", "start", "note"]
        widgets = {"start": forms.DateInput(attrs=DATE)}

    def clean(self):
        data = super().clean()
        _not_future(self, "start", "开始日期")
        if data.get("programme") == "facility" and not (data.get("facility_id") or "").strip():
            self.add_error("facility_id", "康复形式为社区康复机构时请选择康复机构")
        return data


MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class AttendanceForm(forms.Form):
    month = forms.CharField(label="月份", max_length=7, widget=forms.TextInput(attrs={"type": "month"}))
    days = forms.IntegerField(label="参加天数", min_value=0, max_value=31)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def clean_month(self):
        m = MONTH.match(self.cleaned_data["month"].strip())
        if not m or not (2000 <= int(m[1]) <= 2100 and 1 <= int(m[2]) <= 12):
            raise forms.ValidationError("请按“年-月”填写，如2026-03")
        return dt.date(int(m[1]), int(m[2]), 1)

    def clean(self):
        data = super().clean()
        month, days = data.get("month"), data.get("days")
        if month and days is not None and days > calendar.monthrange(month.year, month.month)[1]:
            self.add_error("days", f"参加天数不能超过{month.month}月的天数")
        return data


class EndForm(forms.Form):
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs=DATE))
    end_reason = forms.ChoiceField(label="结束原因", choices=list(vocab.END_REASONS.items()))
    note = forms.CharField(label="备注", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        _not_future(self, "end", "结束日期")
        return data
