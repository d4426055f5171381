"""Validation of leads (疑似患者线索) and their workflow steps, shared by the pages and the API."""


from django import forms

from jingfang.core import clock, idnumber
from jingfang.core import vocab as core_vocab
from jingfang.core.widgets import DateInput
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry.forms import NAME_RE, clean_phone

from . import vocab
from .models import Lead


def village_choices(user, within: str | None = None) -> list[tuple[str, str]]:
    """Villages inside the user's region (and inside ``within`` if given), for pickers."""
    lo, hi = codes.code_range(user.region_id)
    qs = Region.objects.filter(level=codes.VILLAGE, code__gte=lo, code__lte=hi).select_related("parent")
    if within:
        wlo, whi = codes.code_range(within)
        qs = qs.filter(code__gte=wlo, code__lte=whi)
    return [(v.code, f"{v.parent.name if v.parent else ''}{v.name}") for v in qs.order_by("code")]


def clean_village(code: str, user, within: str | None = None) -> Region:
    code = (code or "").strip()
    region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
    if region is None or not codes.is_within(code, user.region_id) or (within and not codes.is_within(code, within)):
        raise forms.ValidationError(f"区划代码{code[:12]}不存在或不在您的辖区内")
    if region.level != codes.VILLAGE:
        raise forms.ValidationError("应选择到村（社区）一级")
    return region


def not_future(value, label: str = "日期"):
    if value and value > clock.today():
        raise forms.ValidationError(f"{label}不能晚于今天")
    return value


class PersonFieldsMixin:
    """Name / ID number / birth date / sex cleaning shared by leads and campaign listings."""

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        if not NAME_RE.match(name):
            raise forms.ValidationError("姓名应为2至50个汉字或字母")
        return name

    def clean_id_number(self):
        raw = (self.cleaned_data.get("id_number") or "").strip()
        self._derived = {}
        if not raw:
            return ""
        try:
            number, birth, sex = idnumber.parse(raw, clock.today())
        except idnumber.InvalidIdNumber as exc:
            raise forms.ValidationError(str(exc)) from None
        self._derived = {"birth_date": birth, "sex": sex}
        return number

    def derive_identity(self, data: dict, require_sex: bool = True) -> None:
        """Birth date and sex come from the ID number; without one, birth date (and sex) are required."""
        derived = getattr(self, "_derived", {})
        if derived:
            data.update(derived)
            return
        if "id_number" in self.errors:
            return
        if not data.get("birth_date") and "birth_date" not in self.errors:
            self.add_error("birth_date", "无身份证号时须填写出生日期（可估计）")
        if require_sex and not data.get("sex"):
            self.add_error("sex", "无身份证号时须选择性别")


class LeadForm(PersonFieldsMixin, forms.ModelForm):
    region_code = forms.CharField(label="所在村（社区）", max_length=12, widget=forms.Select)
    signs = forms.TypedMultipleChoiceField(
        label="异常表现（精神行为异常识别清单，至少选一项）",
        choices=[(k, f"{vocab.CIRCLED[k - 1]}{v}") for k, v in vocab.SIGNS.items()],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "至少选择一项异常表现"},
    )

    class Meta:
        model = Lead
        fields = ["name", "sex", "id_number", "birth_date", "phone", "address", "guardian_name",
                  "guardian_relation", "guardian_phone", "signs", "source", "dangerous", "found_on",
                  "reporter_name", "reporter_unit", "notes"]
        widgets = {
            "birth_date": DateInput(),
            "found_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"id_number": "选填；填写后出生日期与性别按身份证号推算"}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["sex"].required = False
        self.fields["sex"].choices = [("", "—（有身份证号时自动推算）"), *core_vocab.SEXES.items()]
        self.fields["guardian_relation"].choices = [("", "—"), *core_vocab.GUARDIAN_RELATIONS.items()]
        self.fields["found_on"].initial = clock.today()
        self.fields["found_on"].required = False
        self.fields["found_on"].help_text = "默认今天"
        self.fields["region_code"].widget.choices = [("", "请选择")] + village_choices(actor)
        self.fields["dangerous"].help_text = "疑似患者发生伤害自身、危害他人安全的行为：公安机关应予制止并送医诊断"
        order = ["name", "id_number", "sex", "birth_date", "phone", "region_code", "address"]
        self.order_fields(order)

    GROUPS = [
        ("疑似患者", ["name", "id_number", "sex", "birth_date", "phone", "region_code", "address"]),
        ("监护人/近亲属（如知道）", ["guardian_name", "guardian_relation", "guardian_phone"]),
        ("发现情况", ["signs", "dangerous", "source", "found_on", "notes"]),
        ("报告人", ["reporter_name", "reporter_unit"]),
    ]

    def groups(self):
        return [(legend, [self[n] for n in names]) for legend, names in self.GROUPS]

    def clean_region_code(self):
        return clean_village(self.cleaned_data.get("region_code"), self.actor)

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone"), "联系电话")

    def clean_guardian_phone(self):
        return clean_phone(self.cleaned_data.get("guardian_phone"), "监护人/近亲属电话")

    def clean_guardian_name(self):
        name = (self.cleaned_data.get("guardian_name") or "").strip()
        if name and not NAME_RE.match(name):
            raise forms.ValidationError("姓名应为2至50个汉字或字母")
        return name

    def clean_birth_date(self):
        return not_future(self.cleaned_data.get("birth_date"), "出生日期")

    def clean_found_on(self):
        return not_future(self.cleaned_data.get("found_on") or clock.today(), "发现日期")

    def clean_signs(self):
        signs = sorted(set(self.cleaned_data.get("signs") or []))
        if not signs:
            raise forms.ValidationError("至少选择一项异常表现")
        return signs

    def clean(self):
        data = super().clean()
        self.derive_identity(data)
        birth, found = data.get("birth_date"), data.get("found_on")
        if birth and found and found < birth:
            self.add_error("found_on", "发现日期不能早于出生日期")
        return data

    def apply(self) -> Lead:
        lead = self.instance
        for name in self.Meta.fields:
            if name in self.cleaned_data:
                setattr(lead, name, self.cleaned_data[name])
        lead.region = self.cleaned_data["region_code"]
        return lead


class ReferForm(forms.Form):
    referred_to = forms.CharField(label="转诊至（精神卫生医疗机构）", max_length=100)
    referred_on = forms.DateField(label="转诊日期", widget=DateInput(), required=False)
    referral_note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.fields["referred_on"].initial = clock.today()

    def clean_referred_on(self):
        when = not_future(self.cleaned_data.get("referred_on") or clock.today(), "转诊日期")
        if when < self.lead.found_on:
            raise forms.ValidationError("转诊日期不能早于发现日期")
        return when


class ExcludeForm(forms.Form):
    exclusion_reason = forms.CharField(label="排除原因（如：经诊断不符合严重精神障碍）", max_length=200)
    concluded_on = forms.DateField(label="排除日期", widget=DateInput(), required=False)

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.fields["concluded_on"].initial = clock.today()

    def clean_concluded_on(self):
        when = not_future(self.cleaned_data.get("concluded_on") or clock.today(), "排除日期")
        start = self.lead.referred_on or self.lead.found_on
        if when < start:
            raise forms.ValidationError(f"排除日期不能早于{'转诊' if self.lead.referred_on else '发现'}日期")
        return when
