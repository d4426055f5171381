"""Validation shared by the intake pages and the API (through the intake services)."""

import datetime as dt

from django import forms

from jingfang.core import clock, idnumber, vocab
from jingfang.core.widgets import DateInput
from jingfang.registry.forms import NAME_RE

from .models import RELEASE_KINDS, REPORT_KINDS, ReleaseNotice, ReportCard


def clean_name(value: str, label: str = "姓名") -> str:
    value = (value or "").strip()
    if not NAME_RE.match(value):
        raise forms.ValidationError(f"{label}应为2至50个汉字或字母")
    return value


def clean_optional_id(value: str) -> str:
    """An ID number is optional on intake rows, but when given it must be a valid one."""
    value = idnumber.normalize(value or "")
    if not value:
        return ""
    try:
        number, _, _ = idnumber.parse(value, clock.today())
    except idnumber.InvalidIdNumber as exc:
        raise forms.ValidationError(str(exc)) from None
    return number


def no_future(form: forms.Form, names) -> None:
    limit = clock.today()
    for name in names:
        value = form.cleaned_data.get(name)
        if isinstance(value, dt.date) and value > limit:
            form.add_error(name, "日期不能晚于今天")


class ReportCardForm(forms.ModelForm):
    """Receipt of a report card or discharge form (the receiving township is the user's)."""

    class Meta:
        model = ReportCard
        fields = ["kind", "hospital", "received_on", "patient_name", "id_number", "address", "diagnosis",
                  "address_unknown", "note"]
        widgets = {"received_on": DateInput(), "kind": forms.RadioSelect}
        labels = {"address_unknown": "住址不明或有误（须联系派出所查找）"}

    def __init__(self, *args, sees_clinical: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(REPORT_KINDS.items())
        self.fields["id_number"].max_length = 30
        self.fields["id_number"].widget.attrs["maxlength"] = 30
        self.fields["id_number"].help_text = "知道时填写；建档时据此查找辖区内已有档案"
        if not sees_clinical:
            self.fields.pop("diagnosis")
        else:
            self.fields["diagnosis"].choices = [("", "—"), *vocab.choices(vocab.DIAGNOSES)]

    def clean_patient_name(self):
        return clean_name(self.cleaned_data.get("patient_name"), "患者姓名")

    def clean_id_number(self):
        return clean_optional_id(self.cleaned_data.get("id_number"))

    def clean_hospital(self):
        value = (self.cleaned_data.get("hospital") or "").strip()
        if not value:
            raise forms.ValidationError("请填写报告医疗机构")
        return value

    def clean(self):
        data = super().clean()
        no_future(self, ["received_on"])
        return data


class StepForm(forms.Form):
    """The date of one step (accept, police query, refer to the CDC, take over), checked against an
    earliest date (the previous step's)."""

    date = forms.DateField(label="日期", required=False, widget=DateInput())
    text = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, earliest: dt.date | None = None, earliest_label: str = "", text_label: str = "",
                 text_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest, self.earliest_label = earliest, earliest_label
        if text_label:
            self.fields["text"].label = text_label
        self.fields["text"].required = text_required

    def clean_date(self):
        value = self.cleaned_data.get("date") or clock.today()
        if value > clock.today():
            raise forms.ValidationError("日期不能晚于今天")
        if self.earliest and value < self.earliest:
            raise forms.ValidationError(f"日期不能早于{self.earliest_label}（{self.earliest.isoformat()}）")
        return value

    def clean_text(self):
        return (self.cleaned_data.get("text") or "").strip()


class EnterForm(forms.Form):
    """Entering a report card: link the file found by ID number, or create one (registry validates)."""

    id_number = forms.CharField(label="身份证号", max_length=30, error_messages={"required": "请填写身份证号"})
    entered_on = forms.DateField(label="建档录入日期", required=False, widget=DateInput())

    def clean_id_number(self):
        value = clean_optional_id(self.cleaned_data.get("id_number"))
        if not value:
            raise forms.ValidationError("请填写身份证号")
        return value


class ReleaseForm(forms.ModelForm):
    """A release notice: the person is an existing patient (found by ID number in the user's
    jurisdiction) or named here for one not yet registered."""

    township_code = forms.CharField(label="负责接管的乡镇（区划代码）", max_length=12, required=False,
                                    help_text="乡镇级用户可不填，默认本乡镇")

    class Meta:
        model = ReleaseNotice
        fields = ["kind", "released_on", "notifying_unit", "notified_on", "person_name", "id_number", "address"]
        widgets = {"released_on": DateInput(), "notified_on": DateInput()}
        labels = {"person_name": "姓名（未建档时必填）", "id_number": "身份证号"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(RELEASE_KINDS.items())
        self.fields["person_name"].required = False
        self.fields["notified_on"].required = False
        self.fields["id_number"].max_length = 30
        self.fields["id_number"].widget.attrs["maxlength"] = 30

    def clean_id_number(self):
        return clean_optional_id(self.cleaned_data.get("id_number"))

    def clean_notifying_unit(self):
        value = (self.cleaned_data.get("notifying_unit") or "").strip()
        if not value:
            raise forms.ValidationError("请填写通知单位")
        return value

    def clean(self):
        data = super().clean()
        data["notified_on"] = data.get("notified_on") or clock.today()
        no_future(self, ["released_on", "notified_on"])
        released, notified = data.get("released_on"), data.get("notified_on")
        if released and notified and notified < released:
            self.add_error("notified_on", "通知日期不能早于释放/解除日期")
        return data


class TransferForm(forms.Form):
    patient = forms.CharField(label="患者", max_length=30)
    destination_code = forms.CharField(label="转入乡镇（街道）", max_length=12)
    reason = forms.CharField(label="转移原因", max_length=200)
    new_address = forms.CharField(label="新住址（已知时）", max_length=200, required=False)
    sent_on = forms.DateField(label="转出日期", required=False, widget=DateInput())


class AcceptForm(forms.Form):
    village_code = forms.ChoiceField(label="转入村（社区）")
    accepted_on = forms.DateField(label="接收日期", required=False, widget=DateInput())

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village_code"].choices = [("", "请选择")] + [(v.code, v.name) for v in villages]


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))
