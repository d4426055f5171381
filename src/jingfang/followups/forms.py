"""The follow-up form (随访服务记录表): validation shared by the page and the API."""

import datetime as dt

from django import forms
from django.utils import timezone

from jingfang.core.widgets import DateInput
from jingfang.registry import vocab

from .models import FollowUp

ASSESSMENT_FIELDS = [
    "risk_level", "symptoms", "symptoms_other", "psychotic_level", "insight", "sleep", "diet", "social_function", "locking",
    "hospital", "discharge_date", "lab_tests", "adherence", "adherence_cause", "adverse_reaction",
    "adverse_note", "physical_illness", "physical_note", "treatment_effect", "rehab_measures",
]
REQUIRED_WHEN_SEEN = ["risk_level", "insight", "social_function", "adherence", "adverse_reaction", "physical_illness"]
MED_ROWS = 3
ORDER = {"good": 0, "fair": 1, "poor": 2}


def worst(values) -> str:
    values = [v for v in values if v in ORDER]
    return max(values, key=ORDER.get) if values else ""


class FollowUpForm(forms.ModelForm):
    risk_level = forms.TypedChoiceField(
        label="危险性评估", choices=vocab.choices(vocab.RISK_LEVELS), coerce=int, empty_value=None,
        required=False, widget=forms.RadioSelect,
    )
    symptoms = forms.MultipleChoiceField(
        label="目前症状", choices=vocab.choices(vocab.SYMPTOMS), required=False, widget=forms.CheckboxSelectMultiple
    )
    rehab_measures = forms.MultipleChoiceField(
        label="康复措施", choices=vocab.choices(vocab.REHAB_MEASURES), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attendee_names = forms.CharField(
        label="参加人员（用顿号或逗号分隔）", required=False, max_length=300,
        help_text="联合随访请填写全部参加人员",
    )
    condition_override = forms.ChoiceField(
        label="调整本次随访分类", choices=[("", "不调整，采用系统判定"), *vocab.choices(vocab.CONDITIONS)], required=False
    )
    died = forms.BooleanField(label="患者已死亡", required=False)
    death_date = forms.DateField(label="死亡日期", required=False, widget=DateInput())
    death_cause = forms.ChoiceField(label="死亡原因", choices=[("", "—"), *vocab.choices(vocab.DEATH_CAUSES)], required=False)

    class Meta:
        model = FollowUp
        fields = [
            "date", "mode", "seen", "not_seen_reason", "not_seen_note", "patient_interviewed", "guardian_interviewed",
            "joint", *ASSESSMENT_FIELDS, "referral", "referral_reason", "referral_to", "referral_succeeded",
            "guardian_refuses_hospital",
            "psychiatrist_contacted", "police_notified", "life_events", "notes", "assessment_done",
            "health_check_done", "condition_override_reason",
        ]
        widgets = {
            "date": DateInput(),
            "discharge_date": DateInput(),
            "mode": forms.RadioSelect,
            "insight": forms.RadioSelect,
            "social_function": forms.RadioSelect,
            "adherence": forms.RadioSelect,
            "adverse_reaction": forms.RadioSelect,
            "physical_illness": forms.RadioSelect,
            "psychotic_level": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        for key, label in vocab.SOCIAL_FUNCTIONS.items():
            self.fields[f"social_{key}"] = forms.ChoiceField(
                label=label, choices=[("", "—"), *vocab.choices(vocab.GOOD_FAIR_POOR)], required=False
            )
        for act, label in vocab.DANGEROUS_ACTS.items():
            self.fields[f"acts_{act}"] = forms.IntegerField(label=f"{label}（次）", min_value=0, max_value=99, required=False)
        for i in range(1, MED_ROWS + 1):
            self.fields[f"med_{i}_name"] = forms.CharField(label=f"药物{i}", max_length=50, required=False)
            self.fields[f"med_{i}_dose"] = forms.CharField(label=f"用法用量{i}", max_length=80, required=False)
        self.fields["social_function"].required = False
        self.fields["seen"].required = False
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect) and hasattr(field, "choices"):
                field.choices = [c for c in field.choices if c[0] not in ("", None)]

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("随访日期不能晚于今天")
        if date < self.patient.registered_on:
            raise forms.ValidationError(f"随访日期不能早于建档日期（{self.patient.registered_on.isoformat()}）")
        return date

    def clean(self):
        data = super().clean()
        seen = bool(data.get("seen"))
        social = {k: data.get(f"social_{k}") for k in vocab.SOCIAL_FUNCTIONS if data.get(f"social_{k}")}
        data["social_detail"] = social
        if social and not data.get("social_function"):
            data["social_function"] = worst(social.values())
        data["dangerous_acts"] = {
            a: data.get(f"acts_{a}") for a in vocab.DANGEROUS_ACTS if data.get(f"acts_{a}")
        }
        data["medications"] = [
            {"name": data[f"med_{i}_name"].strip(), "dose": (data.get(f"med_{i}_dose") or "").strip()}
            for i in range(1, MED_ROWS + 1)
            if (data.get(f"med_{i}_name") or "").strip()
        ]
        names = (data.get("attendee_names") or "").replace("，", "、").replace(",", "、")
        data["attendees"] = [n.strip() for n in names.split("、") if n.strip()]
        if seen:
            for name in REQUIRED_WHEN_SEEN:
                if data.get(name) in (None, ""):
                    self.add_error(name if name in self.fields else None, "见到患者时必须填写此项")
            if data.get("not_seen_reason"):
                self.add_error("not_seen_reason", "已见到患者，不应填写未见原因")
            if data.get("adherence") in ("intermittent", "none") and not data.get("adherence_cause"):
                self.add_error("adherence_cause", "服药不规律或不服药时请选择原因，以便给出对应措施")
        else:
            if not data.get("not_seen_reason") and not data.get("died"):
                self.add_error("not_seen_reason", "未见到患者时请选择原因")
            filled = [
                self.fields[n].label for n in ASSESSMENT_FIELDS
                if data.get(n) not in (None, "", [], {}) and n in self.fields
            ]
            if social:
                filled.append("社会功能")
            if data["dangerous_acts"]:
                filled.append("危险行为")
            if filled:
                self.add_error(None, f"未见到患者，不能填写评估内容：{'、'.join(str(f) for f in filled)}")
            if data.get("condition_override"):
                self.add_error("condition_override", "未见到患者时不能判定随访分类")
        if data.get("condition_override") and not (data.get("condition_override_reason") or "").strip():
            self.add_error("condition_override_reason", "调整系统判定的分类时必须写明理由")
        if data.get("referral") and not (data.get("referral_to") or "").strip():
            self.add_error("referral_to", "转诊时请填写转诊机构及科室")
        discharge = data.get("discharge_date")
        if discharge and data.get("date") and discharge > data["date"]:
            self.add_error("discharge_date", "出院日期不能晚于随访日期")
        if data.get("died"):
            if not data.get("death_date"):
                self.add_error("death_date", "请填写死亡日期")
            elif data["death_date"] > timezone.localdate():
                self.add_error("death_date", "死亡日期不能晚于今天")
            if not data.get("death_cause"):
                self.add_error("death_cause", "请填写死亡原因")
        return data


def defaults_from(last: FollowUp | None, today: dt.date) -> dict:
    """Initial values for a new follow-up: today, and what was true at the last visit."""
    initial = {"date": today, "mode": "home_visit", "seen": True, "patient_interviewed": True}
    if last is None:
        return initial
    for name in ("mode", "risk_level", "insight", "sleep", "diet", "social_function", "adherence",
                 "adverse_reaction", "physical_illness", "treatment_effect", "guardian_interviewed", "joint"):
        value = getattr(last, name)
        if value not in (None, ""):
            initial[name] = value
    initial["symptoms"] = list(last.symptoms or [])
    initial["rehab_measures"] = list(last.rehab_measures or [])
    for key, value in (last.social_detail or {}).items():
        initial[f"social_{key}"] = value
    for i, med in enumerate(last.medications or [], start=1):
        if i <= MED_ROWS:
            initial[f"med_{i}_name"] = med.get("name", "")
            initial[f"med_{i}_dose"] = med.get("dose", "")
    initial["attendee_names"] = "、".join(last.attendees or [])
    initial["adherence_cause"] = last.adherence_cause
    return initial


class SearchAttemptForm(forms.ModelForm):
    class Meta:
        from .models import SearchAttempt

        model = SearchAttempt
        fields = ["date", "method", "result", "note"]
        widgets = {"date": DateInput()}

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("日期不能晚于今天")
        return date


class PlanForm(forms.ModelForm):
    class Meta:
        from .models import IndividualPlan

        model = IndividualPlan
        fields = ["title", "owner_name", "review_date", "active"]
        widgets = {"review_date": DateInput()}

    def clean_review_date(self):
        date = self.cleaned_data["review_date"]
        if date < timezone.localdate() - dt.timedelta(days=366):
            raise forms.ValidationError("研判日期过早")
        return date


class SensitivePeriodForm(forms.ModelForm):
    """Name and dates of a sensitive period; the region is the setter's own (services.add_sensitive_period)."""

    class Meta:
        from .models import SensitivePeriod

        model = SensitivePeriod
        fields = ["name", "start", "end"]
        widgets = {
            "start": DateInput(),
            "end": DateInput(),
        }
