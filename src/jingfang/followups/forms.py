"""The follow-up form (随访服务记录表): validation shared by the page and the API."""

import datetime as dt

from django import forms

from jingfang.core import clock, vocab
from jingfang.core.widgets import DateInput

from . import formrules
from .models import FollowUp

ASSESSMENT_FIELDS = [
    "risk_level", "symptoms", "symptoms_other", "psychotic_level", "insight", "sleep", "diet", "social_function", "locking",
    "hospital", "discharge_date", "lab_tests", "adherence", "adherence_cause", "adverse_reaction",
    "adverse_note", "physical_illness", "physical_note", "treatment_effect", "rehab_measures",
]
MED_ROWS = 3


def rule_params(patient) -> dict:
    """The values the rules compare with that depend on the patient (formrules ``param``)."""
    from . import engine

    return {"registered_on": patient.registered_on.isoformat(),
            "joint_min_members": engine.profile_for(patient.region_id).followup.min_members}


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
        self.params = rule_params(patient) if patient is not None else {}
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

    def clean(self):
        data = super().clean()
        social = {k: data.get(f"social_{k}") for k in vocab.SOCIAL_FUNCTIONS if data.get(f"social_{k}")}
        data["social_detail"] = social
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
        # The rules (formrules.RULES, shipped to the offline app as they are) read the API's names.
        values = formrules.derive(formrules.RULES, {**{api: data.get(name) for api, name in API_TO_FORM.items()},
                                                    **{k: v for k, v in data.items() if k not in FORM_TO_API},
                                                    "seen": bool(data.get("seen"))})
        data["social_function"] = values.get("social_function") or data.get("social_function")
        for field, message in formrules.check(formrules.RULES, values, self.params, clock.today()):
            name = RULE_FIELD_TO_FORM.get(field, field)
            if name in self.errors:
                continue  # already refused by the field itself (missing, wrong type)
            self.add_error(name if name in self.fields else None, message)
        return data


# The rules' (API) names of the form fields named otherwise.
API_TO_FORM = {"condition": "condition_override", "condition_reason": "condition_override_reason"}
FORM_TO_API = {v: k for k, v in API_TO_FORM.items()}
RULE_FIELD_TO_FORM = {**API_TO_FORM, "attendees": "attendee_names"}


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
        if date > clock.today():
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
        if date < clock.today() - dt.timedelta(days=366):
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
