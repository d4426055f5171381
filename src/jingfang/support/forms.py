"""Forms of support's pages; the API feeds the same forms, so both validate alike."""

import datetime as dt
from decimal import Decimal

from django import forms

from jingfang.core import clock
from jingfang.core import vocab as core_vocab
from jingfang.core.widgets import DateInput

from . import cost_rules, vocab
from .models import Benefit, CostEpisode, ReliefApplication, ReliefFund

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class ComputeRunForm(forms.Form):
    township = forms.CharField(label="乡镇（街道）", max_length=12)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    month = forms.IntegerField(label="月份", min_value=1, max_value=12, required=False)


class WithholdForm(forms.Form):
    patient = forms.IntegerField(label="患者")
    reason = forms.CharField(label="未履行监护职责的情况", max_length=200)


class BenefitForm(forms.ModelForm):
    class Meta:
        model = Benefit
        fields = ["kind", "since", "until", "scheme", "grade", "extreme_poverty", "amount_yuan", "note"]
        widgets = {"since": DateInput(), "until": DateInput()}

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k, vocab.BENEFIT_KINDS[k]) for k in kinds]

    def clean(self):
        data = super().clean()
        kind, since, until = data.get("kind"), data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "终止日期不能早于起始日期")
        if kind == "disability_card" and not data.get("grade"):
            self.add_error("grade", "残疾人证须填写残疾等级")
        if kind != "disability_card":
            data["grade"] = None
        if kind != "medical_insurance":
            data["scheme"] = ""
        if kind != "dibao":
            data["extreme_poverty"] = False
        return data


class ReliefForm(forms.ModelForm):
    """The applicant's part of the annex form (filled with, or for, the guardian)."""

    guardian = forms.TypedChoiceField(label="监护人（从档案选择）", coerce=int, required=False, empty_value=None)

    class Meta:
        model = ReliefApplication
        fields = ["applicant_name", "applicant_relation", "applicant_phone", "insurance_type", "facts",
                  "court_ordered"]
        widgets = {
            "facts": forms.Textarea(attrs={"rows": 4, "placeholder": "描述患者发病情况，以及家庭困难、无力承担住院期间费用的情况"}),
            "applicant_relation": forms.Select(choices=[("", "—")] + list(core_vocab.GUARDIAN_RELATIONS.items())),
        }

    def __init__(self, *args, guardians=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].choices = [("", "—（手工填写申请人）")] + [(g.pk, g.name) for g in guardians]
        self._guardians = {g.pk: g for g in guardians}
        self.fields["applicant_name"].required = False
        self.order_fields(["guardian", *self.Meta.fields])

    def clean(self):
        data = super().clean()
        g = self._guardians.get(data.get("guardian"))
        if g is not None:
            data["applicant_name"] = data.get("applicant_name") or g.name
            data["applicant_relation"] = data.get("applicant_relation") or g.relation
            data["applicant_phone"] = data.get("applicant_phone") or g.phone
        if not data.get("applicant_name"):
            self.add_error("applicant_name", "请填写申请人（监护人）姓名，或从档案中选择监护人")
        data["guardian_obj"] = g
        return data


class VillageReviewForm(forms.Form):
    opinion = forms.CharField(label="村委会初审意见", max_length=300,
                              initial="该患者家庭确实困难，建议予以救助")
    option = forms.ChoiceField(label="建议救助方式", required=False)

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [("", "—（不提建议）")] + [(o.code, o.label) for o in options]


class RejectForm(forms.Form):
    reason = forms.CharField(label="不予救助的理由", max_length=300)


class ApproveForm(forms.Form):
    option = forms.ChoiceField(label="救助方式")
    amount = forms.DecimalField(label="审批救助金额（元，预计由基金支付）", **MONEY)
    opinion = forms.CharField(label="乡镇审批意见", max_length=300, required=False)
    budget_override = forms.BooleanField(label="超出基金余额审批", required=False)
    override_reason = forms.CharField(label="超预算审批理由", max_length=300, required=False)

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [(o.code, o.label) for o in options]

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError("审批救助金额应大于0")
        return amount


class AdmitForm(forms.Form):
    hospital = forms.CharField(label="定点医院", max_length=100)
    admission_date = forms.DateField(label="入院日期", widget=DateInput())
    total_cost = forms.DecimalField(label="住院总费用（元）", **MONEY)
    food_cost = forms.DecimalField(label="其中饮食餐费（元）", **MONEY, initial=Decimal("0"))
    insurance_paid = forms.DecimalField(label="医保报销（元）", **MONEY)
    relief_paid = forms.DecimalField(label="救助基金支付（元）", **MONEY)
    self_paid = forms.DecimalField(label="个人自付（元）", **MONEY)

    def clean_admission_date(self):
        day = self.cleaned_data["admission_date"]
        if day > clock.today() + dt.timedelta(days=1):
            raise forms.ValidationError("入院日期不能晚于今天")
        return day


class CloseForm(forms.Form):
    note = forms.CharField(label="存档说明", max_length=200, required=False)


class BudgetForm(forms.ModelForm):
    class Meta:
        model = ReliefFund
        fields = ["budget_yuan", "note"]

    def clean_budget_yuan(self):
        value = self.cleaned_data["budget_yuan"]
        if value < 0:
            raise forms.ValidationError("预算不能为负数")
        return value


STEP_FORMS = {
    "submit": None,
    "village_review": VillageReviewForm,
    "village_reject": RejectForm,
    "approve": ApproveForm,
    "reject": RejectForm,
    "admit": AdmitForm,
    "close": CloseForm,
}


class CostEpisodeForm(forms.ModelForm):
    """One cost episode; 自付 is computed, and the payments may never exceed the total (cost_rules.check_parts)."""

    class Meta:
        model = CostEpisode
        fields = ["kind", "hospital", "start", "end", "total_cost", "policy_cost", "insurance_paid",
                  "serious_illness_paid", "assistance_paid", "own_relief_paid", "dpf_paid", "other_paid", "note"]
        widgets = {"start": DateInput(), "end": DateInput()}

    def __init__(self, *args, relief=None, details: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.relief = relief
        if not details:  # permissions.COSTS_HEALTH_FIELDS: neither shown nor written (kept as stored)
            from .permissions import COSTS_HEALTH_FIELDS

            for name in COSTS_HEALTH_FIELDS:
                del self.fields[name]
        for name in ("insurance_paid", "serious_illness_paid", "assistance_paid", "own_relief_paid", "dpf_paid",
                     "other_paid"):
            self.fields[name].required = False
        if relief is not None:
            self.fields["own_relief_paid"].disabled = True

    def clean(self):
        data = super().clean()
        for name in ("insurance_paid", "serious_illness_paid", "assistance_paid", "own_relief_paid", "dpf_paid",
                     "other_paid"):
            if data.get(name) is None and name not in self.errors:
                data[name] = Decimal("0.00")
        start, end, kind = data.get("start"), data.get("end"), data.get("kind")
        if start and start > clock.today():
            self.add_error("start", "就诊（入院）日期不能晚于今天")
        if start and end and end < start:
            self.add_error("end", "出院日期不能早于入院日期")
        if kind == "outpatient" and end:
            self.add_error("end", "门诊无需填写出院日期")
        total = data.get("total_cost")
        if total is None or self.errors:
            return data
        payments = {"insurance_paid": data["insurance_paid"], "serious_illness_paid": data["serious_illness_paid"],
                    "assistance_paid": data["assistance_paid"],
                    "relief_paid": (self.relief.relief_paid or Decimal("0.00")) if self.relief is not None
                    else data["own_relief_paid"],
                    "dpf_paid": data["dpf_paid"], "other_paid": data["other_paid"]}
        for name, message in cost_rules.check_parts(total, payments, data.get("policy_cost"), kind == "inpatient"):
            self.add_error("own_relief_paid" if name == "relief_paid" else name, message)
        return data
