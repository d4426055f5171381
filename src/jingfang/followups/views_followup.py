"""Follow-up pages: record one (phone-sized, defaults from the last visit, class derived live) and
a patient's follow-up history. Reads through registry.selectors; writes through followups.services."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.core import clock, errors, vocab
from jingfang.registry import selectors

from . import engine, services, worklist
from .forms import ASSESSMENT_FIELDS, FollowUpForm, defaults_from

RADIO_FIELDS = ["insight", "social_function", "adherence", "adverse_reaction", "physical_illness", "psychotic_level"]
MORE_FIELDS = [
    *[f"acts_{a}" for a in vocab.DANGEROUS_ACTS], "locking", "hospital", "discharge_date", "lab_tests",
    *[f"med_{i}_{k}" for i in (1, 2, 3) for k in ("name", "dose")], "adverse_note", "physical_note",
    "treatment_effect", "symptoms_other", "rehab_measures",
]
ACTION_FIELDS = [
    "referral", "referral_reason", "referral_to", "referral_succeeded", "guardian_refuses_hospital",
    "psychiatrist_contacted", "police_notified",
    "assessment_done", "health_check_done", "life_events", "notes",
]


def _context(patient, form, last, problem=None, classification=None):
    return {
        "p": patient, "form": form, "last": last, "problem": problem, "classification": classification,
        "radio_fields": RADIO_FIELDS, "more_fields": MORE_FIELDS, "action_fields": ACTION_FIELDS,
        "social_fields": [f"social_{k}" for k in vocab.SOCIAL_FUNCTIONS],
        "required_when_seen": ["risk_level", "insight", "social_function", "adherence", "adverse_reaction",
                               "physical_illness"],
    }


@permission_required(roles.RECORD_FOLLOWUP, audit_action="create")
def followup_create(request, pk):
    patient = selectors.get_patient_for(request, pk, audit_success=request.method == "GET")
    last = patient.followups.order_by("-date", "-id").first()
    if request.method == "POST":
        data = request.POST.copy()
        try:
            result = services.record_followup(request.user, patient, _form_data(data), request=request)
        except errors.ServiceError as exc:
            form = FollowUpForm(data=data, patient=patient)
            form.is_valid()
            return render(request, "followups/followup_form.html", _context(patient, form, last, exc),
                          status=exc.status)
        text = f"随访已保存。下次随访：{result.next_due_date:%Y-%m-%d}" if result.next_due_date else "随访已保存。"
        messages.success(request, text)
        for action in result.actions:
            messages.warning(request, action)
        return HttpResponseRedirect(reverse("registry:patient_detail", args=[patient.pk]))
    form = FollowUpForm(patient=patient, initial=defaults_from(last, clock.today()))
    preview = engine.preview(patient, form.initial) if last else None
    return render(request, "followups/followup_form.html", _context(patient, form, last, classification=preview))


def _form_data(post) -> dict:
    """The posted page as form data. With 见到患者 unticked the assessment section is hidden, so its
    prefilled answers are not the user's and are dropped (the API, by contrast, refuses them)."""
    data = {}
    for key in post:
        values = post.getlist(key)
        data[key] = values if key in ("symptoms", "rehab_measures") else values[-1]
    if not data.get("seen"):
        for key in list(data):
            if key in ASSESSMENT_FIELDS or key.startswith(("social_", "acts_", "med_")) or key == "condition_override":
                del data[key]
    return data


@require_POST
@permission_required(roles.RECORD_FOLLOWUP, audit_action="create")
def followup_classify(request, pk):
    """htmx: the class the current answers give, and the next due date it would set (nothing saved)."""
    patient = selectors.get_patient_for(request, pk, audit_success=False)
    form = FollowUpForm(data=_form_data(request.POST), patient=patient)
    form.is_valid()
    data = {**form.cleaned_data}
    note = ""
    classification = None
    if not data.get("seen"):
        note = "未见到患者：不判定分类，随访仍按原应随访日期计算，连续未见到将按失访处理。"
    elif data.get("risk_level") is None:
        note = "请先完成危险性评估。"
    else:
        classification = engine.preview(patient, data)
    return render(request, "followups/_classification.html",
                  {"classification": classification, "classification_note": note})


@permission_required(roles.VIEW_PATIENTS)
def followup_list(request, pk):
    patient = selectors.get_patient_for(request, pk)  # the page and its fragment: one audit row each
    sees = roles.sees_clinical(request.user.role)
    embedded = bool(request.htmx)
    # A patient's visits are health records: to the other roles their dates alone would tell how often
    # the patient is seen, which follows the condition class; they see the due work meant for them only.
    rows = patient.followups.select_related("recorded_by").order_by("-date", "-id")[: 10 if embedded else 500] \
        if sees else []
    template = "followups/_followup_rows.html" if embedded else "followups/followup_list.html"
    return render(request, template, {
        "p": patient, "rows": rows, "sees_clinical": sees, "embedded": embedded,
        "total": patient.followups.count() if sees else 0,
        "can_record": roles.can(request.user.role, roles.RECORD_FOLLOWUP) and patient.status != "deceased",
        "due_items": worklist.due_for_role(request.user.role, patient.due_items.order_by("due_date")),
    })
