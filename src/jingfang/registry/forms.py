"""Validation of the patient file, shared by the web pages and the API (through registry.services)."""

import datetime as dt
import re

from django import forms

from jingfang.accounts import roles
from jingfang.core import clock, idnumber, masking, vocab
from jingfang.core.widgets import DateInput
from jingfang.regions import codes
from jingfang.regions.models import Region

from .flags import public_manual_reason
from .models import Guardian, Patient, StatusChange

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z·•．.\s]{2,50}$")

# Fields of the file edited in the main form (status has its own form and history).
FILE_FIELDS = [
    "name",
    "id_number",
    "phone",
    "address",
    "household_address",
    "household_type",
    "village_contact_name",
    "village_contact_phone",
    "employment",
    "education",
    "marital_status",
    "economic_status",
    "informed_consent",
    "consent_date",
    "diagnosis",
    "diagnosis_hospital",
    "diagnosis_date",
    "first_onset_date",
    "past_symptoms",
    "outpatient_history",
    "first_antipsychotic_date",
    "hospitalizations",
    "past_locking",
    "latest_treatment_effect",
    "psychiatrist_opinion",
    "clinical_notes",
    "police_listed",
    "disability_certificate",
    "disability_grade",
    "key_person_manual",
    "key_person_reason",
    "risk_level",
]
ACT_FIELDS = [f"acts_{k}" for k in vocab.DANGEROUS_ACTS]
MASKED_INPUTS = {
    "id_number": masking.mask_id_number,
    "phone": masking.mask_phone,
    "village_contact_phone": masking.mask_phone,
}
STATUS_FIELDS = ["status", "status_detail", "status_since", "death_date", "death_cause"]



def clean_phone(value: str, label: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if value and not PHONE_RE.match(value):
        raise forms.ValidationError(f"{label}格式不正确（手机号11位，或带区号的座机号）")
    return value


def _no_future(form: forms.Form, names) -> None:
    limit = clock.today()
    for name in names:
        value = form.cleaned_data.get(name)
        if isinstance(value, dt.date) and value > limit:
            form.add_error(name, "日期不能晚于今天")


class PatientForm(forms.ModelForm):
    region_code = forms.CharField(label="现住址所在村（社区）", max_length=12)
    household_region_code = forms.CharField(label="户籍地区划代码", max_length=12)
    past_symptoms = forms.MultipleChoiceField(
        label="既往主要症状",
        choices=vocab.choices(vocab.SYMPTOMS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    risk_level = forms.TypedChoiceField(
        label="危险性等级",
        choices=[("", "未评估"), *vocab.choices(vocab.RISK_LEVELS)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Patient
        fields = FILE_FIELDS + STATUS_FIELDS
        widgets = {
            "consent_date": DateInput(),
            "diagnosis_date": DateInput(),
            "first_onset_date": DateInput(),
            "first_antipsychotic_date": DateInput(),
            "status_since": DateInput(),
            "death_date": DateInput(),
            "psychiatrist_opinion": forms.Textarea(attrs={"rows": 2}),
            "clinical_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, actor, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.creating = creating
        for act, label in vocab.DANGEROUS_ACTS.items():
            self.fields[f"acts_{act}"] = forms.IntegerField(
                label=f"{label}（次）", min_value=0, max_value=999, required=False
            )
        if self.instance.pk:
            # Identifiers are shown masked; submitting the mask unchanged keeps the stored value.
            for name, mask in MASKED_INPUTS.items():
                self.initial[name] = mask(getattr(self.instance, name))
                self.fields[name].help_text = "已隐藏，不修改请保持原样"
            self.fields["region_code"].initial = self.instance.region_id
            self.fields["household_region_code"].initial = self.instance.household_region_id
            for act in vocab.DANGEROUS_ACTS:
                self.fields[f"acts_{act}"].initial = (self.instance.past_dangerous_acts or {}).get(act, 0)
        for name, field in self.fields.items():
            if name in self._meta.fields and Patient._meta.get_field(name).has_default():
                field.required = False
        if not creating:
            for name in STATUS_FIELDS:
                self.fields.pop(name, None)
        else:
            self.fields["status_since"].required = False
        for name in list(self.fields):
            if not roles.visible(actor.role, name):
                self.fields.pop(name)
        if "key_person_reason" in self.fields and not roles.sees_clinical(actor.role):
            # free text may speak of the illness: other roles choose a listed reason, and read a stored
            # one only when it is listed (flags.public_manual_reason)
            field = self.fields["key_person_reason"]
            field.widget = forms.Select(choices=[("", "请选择"), *((r, r) for r in vocab.KEY_PERSON_PUBLIC_REASONS)])
            field.help_text = "由卫生健康人员填写的原因不予显示，保持“请选择”即不作修改"
            if self.instance.pk:
                self.initial["key_person_reason"] = public_manual_reason(self.instance.key_person_reason)
        villages = Region.objects.filter(
            level=codes.VILLAGE,
            code__gte=codes.code_range(actor.region_id)[0],
            code__lte=codes.code_range(actor.region_id)[1],
        ).select_related("parent")
        self.fields["region_code"].widget = forms.Select(
            choices=[("", "请选择")] + [(v.code, f"{v.parent.name if v.parent else ''}{v.name}") for v in villages]
        )

    GROUPS = [
        ("身份与联系", ["name", "id_number", "phone", "informed_consent", "consent_date"]),
        ("住址", ["region_code", "address", "household_region_code", "household_address", "household_type",
                 "village_contact_name", "village_contact_phone"]),
        ("社会信息", ["employment", "education", "marital_status", "economic_status", "disability_certificate",
                    "disability_grade"]),
        ("诊断与治疗", ["diagnosis", "diagnosis_hospital", "diagnosis_date", "first_onset_date", "past_symptoms",
                     "outpatient_history", "first_antipsychotic_date", "hospitalizations", "past_locking",
                     "latest_treatment_effect", "psychiatrist_opinion", "clinical_notes"]),
        ("风险与标记", ["risk_level", *ACT_FIELDS, "police_listed", "key_person_manual", "key_person_reason"]),
        ("在管状态", STATUS_FIELDS),
    ]

    def groups(self):
        """(legend, bound fields) for the page, leaving out fields this role does not see."""
        out = []
        for legend, names in self.GROUPS:
            bound = [self[n] for n in names if n in self.fields]
            if bound:
                out.append((legend, bound))
        return out

    def validate_unique(self):
        """Duplicates are checked by the service, which answers 409 and says where the file is."""

    # Field cleaning -------------------------------------------------------------------------
    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        if not NAME_RE.match(name):
            raise forms.ValidationError("姓名应为2至50个汉字或字母")
        return name

    def _unmasked(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if self.instance.pk and "*" in value and value == MASKED_INPUTS[name](getattr(self.instance, name)):
            return getattr(self.instance, name)
        return value

    def clean_id_number(self):
        try:
            number, birth, sex = idnumber.parse(self._unmasked("id_number"), clock.today())
        except idnumber.InvalidIdNumber as exc:
            raise forms.ValidationError(str(exc)) from None
        self._derived = {"birth_date": birth, "sex": sex}
        return number

    def clean_phone(self):
        return clean_phone(self._unmasked("phone"), "本人电话")

    def clean_village_contact_phone(self):
        return clean_phone(self._unmasked("village_contact_phone"), "村（居）委会联系电话")

    def clean_region_code(self):
        code = (self.cleaned_data.get("region_code") or "").strip()
        region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
        if region is None or not codes.is_within(code, self.actor.region_id):
            raise forms.ValidationError(f"区划代码{code[:12]}不存在或不在您的辖区内")
        if region.level != codes.VILLAGE:
            raise forms.ValidationError("现住址应选择到村（社区）一级")
        return region

    def clean_household_region_code(self):
        code = (self.cleaned_data.get("household_region_code") or "").strip()
        region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
        if region is None:
            raise forms.ValidationError(f"区划代码{code[:12]}不存在")
        return region

    def clean_key_person_reason(self):
        value = (self.cleaned_data.get("key_person_reason") or "").strip()
        if roles.sees_clinical(self.actor.role):
            return value
        stored = self.instance.key_person_reason if self.instance.pk else ""
        if value == stored or (not value and stored and not public_manual_reason(stored)):
            return stored  # unchanged, or a health-only reason that this role is not shown: kept
        if value and not public_manual_reason(value):
            raise forms.ValidationError("重点人员原因请从所列原因中选择：自由填写的原因可能涉及病情，仅卫生健康人员可填写")
        return value

    def clean_disability_grade(self):
        grade = self.cleaned_data.get("disability_grade")
        if grade is not None and not 1 <= grade <= 4:
            raise forms.ValidationError("残疾等级应为1至4级")
        return grade

    def clean(self):
        data = super().clean()
        for name in self._meta.fields:
            if name in self.fields and data.get(name) in (None, "") and Patient._meta.get_field(name).has_default():
                data[name] = Patient._meta.get_field(name).get_default()
        _no_future(self, [n for n, f in self.fields.items() if isinstance(f, forms.DateField)])
        birth = getattr(self, "_derived", {}).get("birth_date")
        if birth:
            for name, field in self.fields.items():
                value = data.get(name)
                if isinstance(field, forms.DateField) and isinstance(value, dt.date) and value < birth:
                    self.add_error(name, "日期不能早于出生日期")
        onset, diagnosed = data.get("first_onset_date"), data.get("diagnosis_date")
        if onset and diagnosed and onset > diagnosed:
            self.add_error("first_onset_date", "初次发病时间不能晚于确诊日期")
        if data.get("disability_certificate") is False and data.get("disability_grade"):
            self.add_error("disability_grade", "未持残疾证时不应填写残疾等级")
        if (data.get("key_person_manual") and not (data.get("key_person_reason") or "").strip()
                and "key_person_reason" not in self.errors):
            self.add_error("key_person_reason", "人工标记重点人员时须填写原因")
        if self.creating:
            clean_status_fields(self, data)
        return data

    def dangerous_acts(self) -> dict:
        acts = dict(self.instance.past_dangerous_acts or {})
        for act in vocab.DANGEROUS_ACTS:
            name = f"acts_{act}"
            if name in self.cleaned_data:
                acts[act] = self.cleaned_data.get(name) or 0
        return {k: v for k, v in acts.items() if v}

    def apply(self) -> Patient:
        """Copy the cleaned values onto the instance (not saved)."""
        patient = self.instance
        for name in self.Meta.fields:
            if name in self.cleaned_data and name in self.fields:
                setattr(patient, name, self.cleaned_data[name])
        patient.region = self.cleaned_data["region_code"]
        patient.household_region = self.cleaned_data["household_region_code"]
        for key, value in getattr(self, "_derived", {}).items():
            setattr(patient, key, value)
        patient.past_dangerous_acts = self.dangerous_acts()
        return patient


def clean_status_fields(form: forms.Form, data: dict, detail_field: str = "status_detail") -> None:
    status = data.get("status")
    detail = data.get(detail_field) or ""
    if status and detail and detail not in vocab.STATUS_DETAILS.get(status, {}):
        form.add_error(detail_field, "状态细分与在管状态不符")
    if status == "deceased":
        if not data.get("death_date"):
            form.add_error("death_date", "死亡须填写死亡日期")
        if not data.get("death_cause"):
            form.add_error("death_cause", "死亡须填写死亡原因")
    else:
        if data.get("death_date"):
            form.add_error("death_date", "非死亡状态不应填写死亡日期")
        data["death_cause"] = ""


class GuardianForm(forms.ModelForm):
    class Meta:
        model = Guardian
        fields = ["name", "relation", "phone", "address", "is_primary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["phone"] = masking.mask_phone(self.instance.phone)

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        if not NAME_RE.match(name):
            raise forms.ValidationError("监护人姓名应为2至50个汉字或字母")
        return name

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        if self.instance.pk and "*" in value and value == masking.mask_phone(self.instance.phone):
            return self.instance.phone
        return clean_phone(value, "监护人电话")


GuardianFormSet = forms.inlineformset_factory(
    Patient, Guardian, form=GuardianForm, extra=1, max_num=3, can_delete=True
)


class StatusForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = StatusChange
        fields = ["status", "detail", "since", "note"]
        widgets = {"since": DateInput()}

    death_date = forms.DateField(label="死亡日期", required=False, widget=DateInput())
    death_cause = forms.ChoiceField(
        label="死亡原因", choices=[("", "—"), *vocab.choices(vocab.DEATH_CAUSES)], required=False
    )

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["detail"].widget = forms.Select(
            choices=[("", "—")]
            + [(k, v) for group in vocab.STATUS_DETAILS.values() for k, v in group.items()]
        )

    def clean(self):
        data = super().clean()
        _no_future(self, ["since", "death_date"])
        since = data.get("since")
        if since and since < self.patient.birth_date:
            self.add_error("since", "日期不能早于出生日期")
        current = self.patient.status_since
        if since and current and since < current:
            self.add_error("since", f"起始日期不能早于当前状态的起始日期（{current.isoformat()}）")
        clean_status_fields(self, data, detail_field="detail")
        return data
