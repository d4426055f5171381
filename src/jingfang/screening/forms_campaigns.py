"""Validation of screening campaigns (当阳乡2022): phases, listings, assessment of listed persons."""

from django import forms

from jingfang.core import clock
from jingfang.core import vocab as core_vocab
from jingfang.core.widgets import DateInput

from . import vocab
from .forms_leads import PersonFieldsMixin, clean_village, not_future, village_choices
from .models import Person

WHEREABOUTS_CHOICES = [("", "未分类"), *core_vocab.STATUSES.items()]
DETAIL_CHOICES = [("", "—")] + [
    (k, f"{core_vocab.STATUSES[s]}：{v}") for s, group in core_vocab.STATUS_DETAILS.items()
    for k, v in group.items()
]


def clean_whereabouts(form: forms.Form, data: dict) -> None:
    status, detail = data.get("whereabouts") or "", data.get("whereabouts_detail") or ""
    if detail and detail not in core_vocab.STATUS_DETAILS.get(status, {}):
        form.add_error("whereabouts_detail", "去向细分与去向分类不符")


class CampaignForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    risk_since = forms.DateField(
        label="第一类对象起算日期", widget=DateInput(),
        help_text="“此日期以来危险性评估曾在3级（含）以上的”（当阳乡2022，四（一）一）",
    )
    notes = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in vocab.PHASES.items():
            self.fields[f"{code}_start"] = forms.DateField(label=f"{label}：开始", widget=DateInput())
            self.fields[f"{code}_end"] = forms.DateField(label=f"{label}：结束", widget=DateInput())

    def phase_fields(self):
        return [(label, self[f"{code}_start"], self[f"{code}_end"]) for code, label in vocab.PHASES.items()]

    def clean(self):
        data = super().clean()
        previous = None
        for code, label in vocab.PHASES.items():
            start, end = data.get(f"{code}_start"), data.get(f"{code}_end")
            if start and end and end < start:
                self.add_error(f"{code}_end", f"“{label}”阶段的结束日期不能早于开始日期")
                previous = None
                continue
            if previous and start and start <= previous[1]:
                self.add_error(f"{code}_start",
                               f"“{label}”阶段应在“{previous[0]}”阶段结束（{previous[1]:%Y-%m-%d}）之后开始，各阶段不得重叠")
            if start and end:
                previous = (label, end)
        return data

    def phases(self) -> list[tuple[str, object, object]]:
        cd = self.cleaned_data
        return [(code, cd[f"{code}_start"], cd[f"{code}_end"]) for code in vocab.PHASES]


class ListingForm(PersonFieldsMixin, forms.Form):
    group = forms.ChoiceField(label="摸排类别", choices=[("", "请选择"), *vocab.GROUP_SHORT.items()])
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=30, required=False,
                                help_text="有身份证号的按身份证号去重；没有的按姓名+出生日期+村去重")
    sex = forms.ChoiceField(label="性别", choices=[("", "—"), *core_vocab.SEXES.items()], required=False)
    birth_date = forms.DateField(label="出生日期", widget=DateInput(), required=False)
    region_code = forms.CharField(label="所在村（社区）", max_length=12, widget=forms.Select)
    address = forms.CharField(label="住址", max_length=200, required=False)
    whereabouts = forms.ChoiceField(label="去向分类", choices=WHEREABOUTS_CHOICES, required=False)
    whereabouts_detail = forms.ChoiceField(label="去向细分", choices=DETAIL_CHOICES, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, actor, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.campaign = actor, campaign
        self.fields["region_code"].widget.choices = [("", "请选择")] + village_choices(actor, campaign.region_id)

    def clean_region_code(self):
        return clean_village(self.cleaned_data.get("region_code"), self.actor, self.campaign.region_id)

    def clean_birth_date(self):
        return not_future(self.cleaned_data.get("birth_date"), "出生日期")

    def clean(self):
        data = super().clean()
        self.derive_identity(data, require_sex=False)
        clean_whereabouts(self, data)
        return data


class PersonForm(forms.ModelForm):
    """Whereabouts and the result of the diagnosis/assessment of one listed person."""

    whereabouts_detail = forms.ChoiceField(label="去向细分", choices=DETAIL_CHOICES, required=False)

    class Meta:
        model = Person
        fields = ["whereabouts", "whereabouts_detail", "assessment_result", "assessed_on"]
        widgets = {"assessed_on": DateInput()}

    def clean_assessed_on(self):
        return not_future(self.cleaned_data.get("assessed_on"), "诊断评估日期")

    def clean(self):
        data = super().clean()
        clean_whereabouts(self, data)
        if data.get("assessment_result") and not data.get("assessed_on"):
            data["assessed_on"] = clock.today()
        if not data.get("assessment_result") and data.get("assessed_on"):
            self.add_error("assessment_result", "填写了评估日期时须选择评估结果")
        return data
