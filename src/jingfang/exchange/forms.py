"""Forms of the exchange pages. Validation that matters lives in the services (shared with the API);
these forms lay out the fields and carry the choices."""

from django import forms

from jingfang.core import vocab as core_vocab
from jingfang.core.widgets import DateInput
from jingfang.screening import vocab as screening_vocab

from . import sheet
from .models import OUR_FIELDS, RESOLUTIONS


class ReceiptForm(forms.Form):
    department = forms.ChoiceField(label="成员单位")
    received_on = forms.DateField(label="签收日期", widget=DateInput(), required=False, help_text="默认今天")
    received_by = forms.CharField(label="签收人", max_length=50)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, departments: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = list(departments.items())


class UploadForm(forms.Form):
    file = forms.FileField(label=f"名单文件（.xlsx，不超过{sheet.MAX_BYTES // 1024 // 1024}MB、{sheet.MAX_ROWS}行）",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
    township = forms.ChoiceField(label="乡镇（街道）", required=False)

    def __init__(self, *args, townships: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [(t.code, t.name) for t in townships]
        if len(townships) <= 1:
            self.fields["township"].widget = forms.HiddenInput()
            self.fields["township"].initial = townships[0].code if townships else ""


class MappingForm(forms.Form):
    """One select per our field, listing their headers."""

    def __init__(self, *args, headers: list[str], initial_mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "（对方名单没有此列）"), *[(h, h) for h in headers]]
        for key, label in OUR_FIELDS.items():
            self.fields[key] = forms.ChoiceField(label=label, choices=choices, required=False,
                                                 initial=initial_mapping.get(key, ""))

    def mapping(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v}


class ResolveForm(forms.Form):
    action = forms.ChoiceField(label="处理方式", widget=forms.RadioSelect)
    note = forms.CharField(label="说明", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    patient_id = forms.CharField(label="本乡镇患者编号", max_length=12, required=False)
    signs = forms.TypedMultipleChoiceField(
        label="异常表现（识别清单，至少选一项）", required=False, coerce=int,
        choices=[(k, f"{screening_vocab.CIRCLED[k - 1]}{v}") for k, v in screening_vocab.SIGNS.items()],
        widget=forms.CheckboxSelectMultiple)
    region_code = forms.ChoiceField(label="所在村（社区）", required=False)
    sex = forms.ChoiceField(label="性别（无可用身份证号时必填）", required=False,
                            choices=[("", "—"), *core_vocab.SEXES.items()])
    birth_date = forms.DateField(label="出生日期（无可用身份证号时必填）", required=False, widget=DateInput())
    dangerous = forms.BooleanField(label="有伤害自身或危害他人安全的行为", required=False)
    allow_duplicates = forms.BooleanField(label="已核实不是重复线索，仍然登记", required=False)

    def __init__(self, *args, kind: str, villages: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        allowed = RESOLUTIONS if kind == "theirs_only" else {"note": RESOLUTIONS["note"]}
        self.fields["action"].choices = list(allowed.items())
        self.fields["action"].initial = "note" if kind != "theirs_only" else None
        self.fields["region_code"].choices = [("", "按对方名单"), *villages]
        if kind != "theirs_only":
            for name in ("patient_id", "signs", "region_code", "sex", "birth_date", "dangerous", "allow_duplicates"):
                del self.fields[name]

    def data_for_service(self) -> dict:
        cd = dict(self.cleaned_data)
        if cd.get("birth_date"):
            cd["birth_date"] = cd["birth_date"].isoformat()
        return cd
