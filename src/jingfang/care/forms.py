"""Forms of the care area: validation shared by the pages and the API (services bind them to data)."""

import datetime as dt

from django import forms

from jingfang.core import clock
from jingfang.core.vocab import DANGEROUS_ACTS, choices
from jingfang.core.widgets import DateInput
from jingfang.registry.forms import clean_phone

from . import vocab
from .models import GuardianshipAgreement, Incident


def _no_future(form: forms.Form, *names: str) -> None:
    for name in names:
        value = form.cleaned_data.get(name)
        if isinstance(value, dt.date) and value > clock.today():
            form.add_error(name, "日期不能晚于今天")


class MemberForm(forms.Form):
    """One row of a care team (validated row by row by services.save_team)."""

    role = forms.ChoiceField(label="角色", choices=choices(vocab.MEMBER_ROLES))
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="电话", max_length=20, required=False)
    unit = forms.CharField(label="单位/职务", max_length=100, required=False)
    user_id = forms.IntegerField(label="系统账号", required=False, min_value=1)
    is_leader = forms.BooleanField(label="组长", required=False)
    id = forms.IntegerField(required=False, min_value=1)

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone", ""), "电话")


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=choices(vocab.MEETING_KINDS))
    region_code = forms.CharField(label="所属区划", max_length=12)
    date = forms.DateField(label="会议日期", widget=DateInput())
    place = forms.CharField(label="地点", max_length=100, required=False)
    minutes = forms.CharField(label="会议纪要", required=False, max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 5}))
    decisions = forms.CharField(label="议定事项", required=False, max_length=5000,
                                widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        _no_future(self, "date")
        return data


class AttendeeForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50, required=False)
    unit = forms.CharField(label="单位/职务", max_length=100, required=False)
    user_id = forms.IntegerField(label="系统账号", required=False, min_value=1)


class TaskForm(forms.Form):
    text = forms.CharField(label="任务", max_length=200)
    owner_id = forms.IntegerField(label="责任人", min_value=1)
    due_date = forms.DateField(label="完成期限", widget=DateInput())
    id = forms.IntegerField(required=False, min_value=1)


class AgreementForm(forms.ModelForm):
    class Meta:
        model = GuardianshipAgreement
        fields = ["guardian", "type", "start", "end", "duties", "signed", "signed_on"]
        widgets = {"start": DateInput(), "end": DateInput(), "signed_on": DateInput(),
                   "duties": forms.Textarea(attrs={"rows": 7})}

    def __init__(self, *args, patient, exclude_guardian=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = patient.guardians.all()
        if exclude_guardian is not None:
            qs = qs.exclude(pk=exclude_guardian)
        self.fields["guardian"].queryset = qs
        self.fields["guardian"].required = True
        self.fields["guardian"].empty_label = "请选择（须先在患者档案中登记监护人）"
        self.fields["duties"].required = True

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "终止日期不能早于起始日期")
        if data.get("signed") and not data.get("signed_on"):
            self.add_error("signed_on", "已签订的协议须填写签订日期")
        if not data.get("signed"):
            data["signed_on"] = None
        _no_future(self, "signed_on")
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="如：监护人不履行监护责任（齐云山镇2024，三（七））")
    date = forms.DateField(label="撤销日期", widget=DateInput(), required=False, help_text="默认今天")

    def clean_reason(self):
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError("请填写撤销原因")
        return value

    def clean(self):
        data = super().clean()
        data["date"] = data.get("date") or clock.today()
        _no_future(self, "date")
        return data


class IncidentForm(forms.ModelForm):
    kind = forms.ChoiceField(label="性质", choices=choices(DANGEROUS_ACTS), widget=forms.RadioSelect,
                             help_text="按《严重精神障碍患者个人信息补充表》的定义选择")

    class Meta:
        model = Incident
        fields = ["date", "place", "kind", "description", "injuries", "deaths", "property_loss_yuan", "harm_note",
                  "police_response", "onsite_handling", "hospital", "compulsory", "aftermath"]
        widgets = {
            "date": DateInput(),
            **{k: forms.Textarea(attrs={"rows": 3}) for k in
               ("description", "police_response", "onsite_handling", "aftermath")},
        }

    ZERO_WHEN_BLANK = ("injuries", "deaths", "property_loss_yuan")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.ZERO_WHEN_BLANK:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in self.ZERO_WHEN_BLANK:
            if data.get(name) is None and name not in self.errors:
                data[name] = 0
        _no_future(self, "date")
        loss = data.get("property_loss_yuan")
        if loss is not None and loss < 0:
            self.add_error("property_loss_yuan", "不能为负数")
        return data


class ReviewForm(forms.Form):
    review_findings = forms.CharField(label="倒查结论", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
                                      help_text="事件前应做而未做的工作、责任人和整改措施")

    def clean_review_findings(self):
        value = self.cleaned_data["review_findings"].strip()
        if not value:
            raise forms.ValidationError("请填写倒查结论")
        return value
