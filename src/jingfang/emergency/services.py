"""Writing emergency grants: one function per action, each audited.

- ``request_access``: a user who may break the glass gives a patient's whole ID number, a category and
  a reason. Nothing is looked up until the input is valid, nor after ``JINGFANG_EMERGENCY_PER_DAY``
  look-ups by this user within 24 hours (429: found or not, each counts; counted and looked up in one
  transaction under the user's lock, ``registry.disclosure.user_lock``, so concurrent requests cannot
  overspend). A patient inside the user's jurisdiction
  needs no grant; one outside gets a grant for the hours of the patient's region's profile (or the
  user's still-active grant is reused); no patient answers "not found" and says nothing else.
- ``acknowledge``: the patient's township office has seen the notice.
- ``review``: the county supervisor's conclusion (合理/不合理 and a note), once.
Audit rows never hold the ID number or the reason (free text): the grant's id and the category only.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import errors, idnumber
from jingfang.followups import engine
from jingfang.regions import codes
from jingfang.registry import disclosure
from jingfang.registry import selectors as patient_selectors

from . import rules
from .models import Grant, Lookup

NOT_FOUND = "未找到与该身份证号对应的患者档案"
FORBIDDEN = "您的角色不能使用紧急查阅"


class NotFound(errors.ServiceError):
    status = 404


@dataclass(frozen=True)
class Outcome:
    kind: str  # "granted", "existing" (an active grant is reused), "inside" (no grant needed)
    patient_id: int
    grant: Grant | None = None


def _refuse(user, request, action: str, outcome: str, problem: errors.ServiceError, **kw):
    audit.record(user, action, request=request, outcome=outcome, **kw)
    raise problem


def request_access(user, data: dict, *, request=None) -> Outcome:
    """Open the patient with ``data["id_number"]`` for ``user``: see the module's docstring."""
    action = "emergency_request"
    if not user.is_active or not roles.can(user.role, roles.BREAK_GLASS):
        _refuse(user, request, action, "denied", errors.Forbidden(FORBIDDEN))
    id_number = str(data.get("id_number") or "").strip()
    category = str(data.get("category") or "")
    reason = str(data.get("reason") or "").strip()
    problems = rules.request_errors(id_number, category, reason)
    if id_number:
        try:
            idnumber.parse(id_number)
        except idnumber.InvalidIdNumber as exc:
            problems.insert(0, errors.FieldError("id_number", f"身份证号：{exc}"))
    if problems:
        _refuse(user, request, action, "invalid", errors.Invalid(problems),
                detail={"fields": sorted({p.field for p in problems})})
    limit = settings.JINGFANG_EMERGENCY_PER_DAY
    # Count, look-up, grant and audit row in one transaction under the user's lock: concurrent requests
    # can neither overspend the limit nor open two grants, and a found look-up is counted only with
    # its audit row. A look-up that finds nobody is counted, then refused.
    with disclosure.user_lock(user):
        over = bool(limit) and Lookup.objects.filter(
            user=user, at__gte=timezone.now() - rules.LIMIT_WINDOW).count() >= limit
        patient = None if over else disclosure.find_for_emergency(id_number)
        if not over:
            Lookup.objects.create(user=user, found=patient is not None)
        if patient is not None:
            outcome = _open(user, patient, category, reason, action, request)
    if over:
        _refuse(user, request, action, "denied", errors.TooMany(rules.LIMITED.format(limit=limit)),
                detail={"reason": "daily_limit", "category": category})
    if patient is None:
        _refuse(user, request, action, "not_found", NotFound(NOT_FOUND), detail={"category": category})
    return outcome


def _open(user, patient, category: str, reason: str, action: str, request) -> Outcome:
    """Inside the caller's transaction: nothing for a patient of the user's own jurisdiction, else the
    user's active grant for the patient, or a new one; audited."""
    scope = patient_selectors.jurisdiction_range(user)
    if scope and scope[0] <= patient.region_id <= scope[1]:
        audit.record(user, action, request=request, patient_id=patient.pk, target=f"patient:{patient.pk}",
                     detail={"category": category, "inside": True})
        return Outcome("inside", patient.pk)
    existing = (Grant.objects.select_for_update().filter(user=user, patient=patient, expires_at__gt=timezone.now())
                .order_by("-expires_at").first())
    if existing is not None:
        audit.record(user, action, request=request, patient_id=patient.pk, target=f"emergency_grant:{existing.pk}",
                     detail={"grant": existing.pk, "category": category, "existing": True})
        return Outcome("existing", patient.pk, existing)
    profile = engine.profile_for(patient.region_id)
    hours = profile.emergency_access.hours
    now = timezone.now()
    grant = Grant.objects.create(
        user=user, user_role=user.role, user_region_id=user.region_id, patient=patient,
        region_id=patient.region_id, category=category, reason=reason, hours=hours, policy=profile.name,
        started_at=now, expires_at=rules.expires_at(now, hours),
    )
    audit.record(user, action, request=request, patient_id=patient.pk, target=f"emergency_grant:{grant.pk}",
                 detail={"grant": grant.pk, "category": category, "hours": hours})
    return Outcome("granted", patient.pk, grant)


def acknowledge(user, grant: Grant, *, request=None) -> Grant:
    """The township office has seen the notice (once; a second time changes nothing)."""
    action = "emergency_ack"
    target = f"emergency_grant:{grant.pk}"
    if not user.is_active or not roles.can(user.role, roles.ACKNOWLEDGE_EMERGENCY) or not codes.is_within(
            grant.region_id, user.region_id):
        _refuse(user, request, action, "denied", errors.Forbidden("您无权确认此紧急查阅通知"),
                patient_id=grant.patient_id, target=target)
    with transaction.atomic():
        fresh = Grant.objects.select_for_update().get(pk=grant.pk)
        if fresh.acknowledged_at is None:
            fresh.acknowledged_at, fresh.acknowledged_by = timezone.now(), user
            fresh.save(update_fields=["acknowledged_at", "acknowledged_by"])
            audit.record(user, action, request=request, patient_id=grant.patient_id, target=target,
                         detail={"grant": grant.pk})
    return fresh


def review(user, grant: Grant, data: dict, *, request=None) -> Grant:
    """The county supervisor's conclusion on one grant of their county; a grant is reviewed once."""
    action = "emergency_review"
    target = f"emergency_grant:{grant.pk}"
    if not user.is_active or not roles.can(user.role, roles.REVIEW_EMERGENCY) or not codes.is_within(
            grant.region_id, user.region_id):
        _refuse(user, request, action, "denied", errors.Forbidden("您无权审核此紧急查阅"),
                patient_id=grant.patient_id, target=target)
    outcome = str(data.get("outcome") or "")
    note = str(data.get("note") or "").strip()
    problems = rules.review_errors(outcome, note)
    if problems:
        _refuse(user, request, action, "invalid", errors.Invalid(problems), patient_id=grant.patient_id,
                target=target, detail={"fields": sorted({p.field for p in problems})})
    with transaction.atomic():
        fresh = Grant.objects.select_for_update().get(pk=grant.pk)
        done_at = fresh.reviewed_at
        if done_at is None:
            fresh.review_outcome, fresh.review_note = outcome, note
            fresh.reviewed_at, fresh.reviewed_by = timezone.now(), user
            fresh.save(update_fields=["review_outcome", "review_note", "reviewed_at", "reviewed_by"])
            audit.record(user, action, request=request, patient_id=grant.patient_id, target=target,
                         detail={"grant": grant.pk, "outcome": outcome})
    if done_at is not None:
        _refuse(user, request, action, "conflict",
                errors.Conflict(f"该紧急查阅已于{timezone.localtime(done_at):%Y-%m-%d %H:%M}审核，不能重复审核"),
                patient_id=grant.patient_id, target=target)
    return fresh
