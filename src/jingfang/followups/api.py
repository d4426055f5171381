"""API: follow-ups (docs/api.md, "随访") and the worklist (docs/api.md, "工作清单")."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import api_support, clock, days, errors, vocab, worklist_hub
from jingfang.registry import selectors

from . import services, worklist
from .forms import MED_ROWS

router = Router(tags=["随访与工作台"])
Closed = api_support.ClosedSchema


def _one_of(mapping: dict):
    return Literal[tuple(mapping)]


class MedicationIn(Closed):
    name: str = Field(..., max_length=50)
    dose: str = Field("", max_length=80)


class FollowupIn(Closed):
    """Strict types: a yes/no is JSON true/false and a number a JSON integer (never "true" or "2"), so that
    a client's type error is refused naming the field instead of being guessed."""

    date: dt.date
    mode: _one_of(vocab.FOLLOWUP_MODES)
    seen: StrictBool = True
    not_seen_reason: _one_of(vocab.NOT_SEEN_REASONS) | None = None
    not_seen_note: str = Field("", max_length=200)
    risk_level: StrictInt | None = Field(None, ge=0, le=5)
    symptoms: list[_one_of(vocab.SYMPTOMS)] = []
    symptoms_other: str = Field("", max_length=200)
    psychotic_level: Literal["none", "some", "obvious"] | None = None
    insight: _one_of(vocab.INSIGHT) | None = None
    sleep: _one_of(vocab.GOOD_FAIR_POOR) | None = None
    diet: _one_of(vocab.GOOD_FAIR_POOR) | None = None
    social_function: _one_of(vocab.GOOD_FAIR_POOR) | None = None
    social_detail: dict[_one_of(vocab.SOCIAL_FUNCTIONS), _one_of(vocab.GOOD_FAIR_POOR)] = {}
    dangerous_acts: dict[_one_of(vocab.DANGEROUS_ACTS), StrictInt] = {}
    locking: _one_of(vocab.LOCKING_SINCE_LAST) | None = None
    hospitalized: StrictBool | None = Field(None, description="目前正在住院")
    hospital: _one_of(vocab.HOSPITAL_SINCE_LAST) | None = None
    discharge_date: dt.date | None = None
    lab_tests: str = Field("", max_length=200)
    adherence: _one_of(vocab.ADHERENCE) | None = None
    adherence_cause: _one_of(vocab.ADHERENCE_CAUSES) | None = None
    adverse_reaction: _one_of(vocab.ADVERSE) | None = None
    adverse_note: str = Field("", max_length=200)
    physical_illness: _one_of(vocab.PHYSICAL) | None = None
    physical_note: str = Field("", max_length=200)
    medications: list[MedicationIn] = Field([], max_length=MED_ROWS)
    treatment_effect: _one_of(vocab.TREATMENT_EFFECT) | None = None
    referral: StrictBool = False
    referral_reason: str = Field("", max_length=200)
    referral_to: str = Field("", max_length=200)
    referral_succeeded: StrictBool | None = None
    guardian_refuses_hospital: StrictBool = False
    psychiatrist_contacted: StrictBool = False
    police_notified: StrictBool = False
    rehab_measures: list[_one_of(vocab.REHAB_MEASURES)] = []
    life_events: str = Field("", max_length=200)
    notes: str = Field("", max_length=2000)
    assessment_done: StrictBool = False
    health_check_done: StrictBool = False
    patient_interviewed: StrictBool = True
    guardian_interviewed: StrictBool = False
    joint: StrictBool = False
    attendees: list[str] = Field([], max_length=20)
    condition: _one_of(vocab.CONDITIONS) | None = Field(None, description="调整系统判定的分类（须同时给出 condition_reason）")
    condition_reason: str = Field("", max_length=200)
    died: StrictBool = False
    death_date: dt.date | None = None
    death_cause: _one_of(vocab.DEATH_CAUSES) | None = None


class FollowupOut(Schema):
    id: int
    condition: str | None
    next_due_date: dt.date | None
    reasons: list[str]
    actions: list[str]


def _form_data(body: FollowupIn) -> dict:
    """The API body in the page form's field names, so both go through the same validation."""
    raw = body.model_dump()
    data = {}
    for key, value in raw.items():
        if value is None or key in ("social_detail", "dangerous_acts", "medications", "attendees", "hospitalized",
                                    "condition", "condition_reason"):
            continue
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, dt.date):
            data[key] = value.isoformat()
        else:
            data[key] = value
    if body.hospitalized and not body.hospital:
        data["hospital"] = "current"
    for k, v in body.social_detail.items():
        data[f"social_{k}"] = v
    for k, v in body.dangerous_acts.items():
        data[f"acts_{k}"] = v
    for i, med in enumerate(body.medications, start=1):
        data[f"med_{i}_name"], data[f"med_{i}_dose"] = med.name, med.dose
    data["attendee_names"] = "、".join(body.attendees)
    if body.condition:
        data["condition_override"] = body.condition
        data["condition_override_reason"] = body.condition_reason
    return data


FIELD_NAMES = {"condition_override": "condition", "condition_override_reason": "condition_reason",
               "attendee_names": "attendees"}


@router.post("/patients/{id}/followups", response={201: FollowupOut, 403: api_support.Problem,
                                                   422: api_support.Problem}, summary="录入随访")
def create_followup(request, id: int, body: FollowupIn):
    patient = selectors.get_patient_for(request, id, action="create", audit_success=False)
    try:
        result = services.record_followup(request.user, patient, _form_data(body), request=request)
    except errors.Invalid as exc:
        exc.errors = [errors.FieldError(FIELD_NAMES.get(e.field, e.field), e.message) for e in exc.errors]
        raise
    return Status(201, {"id": result.followup.pk, "condition": result.condition, "next_due_date": result.next_due_date,
                 "reasons": result.reasons, "actions": result.actions})


HEALTH_ONLY = "随访记录属于卫生健康信息，仅卫生健康人员可以查看"


@router.get("/patients/{id}/followups", response={200: list[dict], 403: api_support.Problem},
            summary="随访记录（新的在前）",
            description="每次随访的全部字段与当时算出的下次随访日期。随访记录属于卫生健康信息：不看临床信息的角色"
                        "（公安、民政、残联、司法、村（居）委会、综治中心）一律得到403，不论患者编号为何。")
def list_followups(request, id: int):
    if not roles.sees_clinical(request.user.role):
        # A patient's visits are health records: their dates alone tell how often the patient is seen,
        # which follows the condition class (《中华人民共和国精神卫生法》第四条). Refused whatever the id.
        audit.record_request(request, "view", outcome="denied", target="followup")
        raise errors.Forbidden(HEALTH_ONLY)
    patient = selectors.get_patient_for(request, id)
    out = []
    for f in patient.followups.order_by("-date", "-id"):
        row = {field.name: getattr(f, field.attname) for field in f._meta.concrete_fields
               if field.name not in ("patient", "recorded_by")}
        row["next_due_date"] = f.next_due_date
        out.append(row)
    return out


class WorkItem(Schema):
    patient_id: int | None
    kind: str
    due_date: dt.date
    state: str
    reason: str
    patient_name: str
    region_code: str
    window_start: dt.date
    rule_id: str
    mode: str
    key_person: bool
    escalations: list[str]
    provisional: bool
    url: str = ""
    label: str = ""


class WorklistOut(Schema):
    on: dt.date
    count: int
    items: list[WorkItem]


class WorklistQuery(Schema):
    on: dt.date | None = None
    region_code: str = ""
    kind: str = Field("", json_schema_extra={"enum": ["", *worklist_hub.KIND_LABELS]})
    key_person: api_support.OptionalBool = None
    horizon: int = Field(worklist.DEFAULT_HORIZON, ge=0, le=92)
    page: api_support.Page = None
    page_size: api_support.PageSize = None


@router.get("/worklist", response=WorklistOut, summary="工作台：逾期、到期与即将到期事项")
def get_worklist(request, q: Query[WorklistQuery]):
    if not request.user.can(roles.VIEW_WORKLIST):
        audit.record_request(request, "list", outcome="denied", target="worklist")
        raise errors.Forbidden("您的角色无权查看工作台")
    if q.kind and q.kind not in worklist_hub.KIND_LABELS:
        raise api_support.invalid("kind", f"应为 {'、'.join(worklist_hub.KIND_LABELS)} 之一")
    on = days.check(q.on or clock.today(), "on", "on")
    items = worklist.items_for(request.user, on, region_code=q.region_code, kind=q.kind, key_person=q.key_person,
                               horizon=q.horizon)
    audit.record_request(request, "list", target="worklist", detail={"count": len(items), "on": on.isoformat()})
    return {"on": on, "count": len(items),
            "items": [i.__dict__ | {"reason": i.reason} for i in api_support.page_of(items, q.page, q.page_size)]}
