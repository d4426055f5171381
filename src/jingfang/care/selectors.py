"""Scoped reads of the care area. Patients come only from registry.selectors; every per-patient row is
read through the patient's village code within the user's jurisdiction range, and a meeting through
its region (or through a task the user owns). Out of scope is indistinguishable from missing (404),
and the attempt is audited.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from jingfang.audit import log as audit
from jingfang.core import ids as core_ids
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry import selectors as patient_selectors
from jingfang.registry.models import Patient

from . import team_rule, vocab
from .models import GuardianshipAgreement, Incident, Meeting, TeamMember

ACTIVE_STATUSES_EXCLUDED = ("deceased", "moved_out")


def _scope(user) -> tuple[str, str] | None:
    return patient_selectors.jurisdiction_range(user)


def _narrow(lo: str, hi: str, region_code: str) -> tuple[str, str]:
    if region_code and codes.is_valid_code(region_code):
        rlo, rhi = codes.code_range(region_code)
        return max(lo, rlo), min(hi, rhi)
    if region_code:
        return "1", "0"  # an invalid code matches nothing
    return lo, hi


def overlaps(code_a: str, code_b: str) -> bool:
    """One region lies within the other (either way)."""
    return codes.is_within(code_a, code_b) or codes.is_within(code_b, code_a)


def county_of(code: str) -> str:
    return code[:6] + "000000"


# Teams -----------------------------------------------------------------------------------------------
def _has(role: str | None = None, leader: bool = False):
    qs = TeamMember.objects.filter(team__patient=OuterRef("pk"))
    return Exists(qs.filter(is_leader=True) if leader else qs.filter(role=role))


# Which annotations of teams_overview say a team has a role (one of them true is enough).
HAS = {r: (f"has_{r}",) for r in vocab.MEMBER_ROLES} | {"guardian": ("has_guardian", "has_signed_guardian")}


def teams_overview(user, *, region_code: str = "", incomplete: bool = False) -> QuerySet[Patient]:
    """Patients under management in the user's jurisdiction, annotated with which team roles their
    care team has (has_leader, has_police, …; has_signed_guardian: a registered guardian signed the
    guardianship agreement). ``incomplete``: only those lacking a role their own profile requires."""
    qs = patient_selectors.patients_for(user).exclude(status__in=ACTIVE_STATUSES_EXCLUDED)
    if region_code:
        lo, hi = _narrow("0" * 12, "9" * 12, region_code)
        qs = qs.filter(region_id__gte=lo, region_id__lte=hi)
    signed = GuardianshipAgreement.objects.filter(team_rule.signed_agreements(), patient=OuterRef("pk"))
    required = {r for _, _, rule in team_rule.profile_areas() for r in rule.required_roles}  # by any profile
    qs = qs.annotate(**{f"has_{r}": _has(leader=True) if r == "leader" else _has(r) for r in sorted(required)},
                     has_signed_guardian=Exists(signed))
    if incomplete:
        qs = qs.filter(team_rule.incomplete_q(HAS))
    return qs.select_related("region").order_by("region_id", "name", "id")


def missing_from_row(p) -> list[str]:
    """The roles the patient's own profile requires that a row of teams_overview lacks."""
    required = team_rule.rule_for(p.region_id).required_roles
    return [r for r in required if not any(getattr(p, name, False) for name in HAS[r])]


def directory(user, region_code: str) -> list[dict]:
    """The contact directory of every care team under ``region_code`` (already checked to be within
    the user's jurisdiction): one row per person (role, name, phone, unit), with the patients served."""
    lo, hi = codes.code_range(region_code)
    scope = _scope(user)
    lo, hi = max(lo, scope[0]), min(hi, scope[1])
    members = (
        TeamMember.objects.filter(team__patient__region_id__gte=lo, team__patient__region_id__lte=hi)
        .exclude(team__patient__status__in=ACTIVE_STATUSES_EXCLUDED)
        .select_related("team__patient__region", "user")
        .order_by("role", "name", "id")
    )
    rows: dict[tuple, dict] = {}
    for m in members:
        key = (m.role, m.name, m.phone, m.unit)
        row = rows.setdefault(key, {"role": m.role, "role_label": vocab.MEMBER_ROLES.get(m.role, m.role),
                                    "name": m.name, "phone": m.phone, "unit": m.unit, "user": m.user,
                                    "leader": False, "patients": [], "member_ids": []})
        row["leader"] = row["leader"] or m.is_leader
        row["patients"].append(m.team.patient)
        row["member_ids"].append(m.pk)
    order = list(vocab.MEMBER_ROLES)
    return sorted(rows.values(), key=lambda r: (order.index(r["role"]) if r["role"] in order else 99, r["name"]))


def region_for(request, code: str, *, action: str = "view") -> Region:
    """A region within the user's jurisdiction, or 404 (audited) exactly as for one that does not exist."""
    code = (code or "").strip()[:12]
    scope = _scope(request.user)
    region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
    if region is None or scope is None or not scope[0] <= code <= scope[1]:
        audit.record_request(request, action, outcome="denied" if region else "not_found",
                             target=f"region:{code}")
        raise Http404("区划不存在")
    return region


# Meetings --------------------------------------------------------------------------------------------
def meetings_for(user, *, kind: str = "", region_code: str = "", mine: bool = False) -> QuerySet[Meeting]:
    """Meetings held in a region within the user's jurisdiction, plus those holding a task they own."""
    scope = _scope(user)
    if scope is None:
        return Meeting.objects.none()
    lo, hi = scope
    qs = Meeting.objects.filter(Q(region_id__gte=lo, region_id__lte=hi) | Q(tasks__owner=user)).distinct()
    if region_code:
        rlo, rhi = _narrow("0" * 12, "9" * 12, region_code)
        qs = qs.filter(region_id__gte=rlo, region_id__lte=rhi)
    if kind:
        qs = qs.filter(kind=kind)
    if mine:
        qs = qs.filter(tasks__owner=user, tasks__done=False)
    return qs.select_related("region", "recorded_by").order_by("-date", "-id")


def get_meeting_for(request, pk, *, action: str = "view", audit_success: bool = True) -> Meeting:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        audit.record_request(request, action, outcome="not_found", target=f"meeting:{str(pk)[:40]}")
        raise Http404("会议不存在") from None
    meeting = meetings_for(request.user).filter(pk=pk).first()
    if meeting is None:
        exists = Meeting.objects.filter(pk=pk).exists()
        audit.record_request(request, action, outcome="denied" if exists else "not_found", target=f"meeting:{pk}")
        raise Http404("会议不存在")
    if audit_success:
        audit.record_request(request, action, target=f"meeting:{pk}")
    return meeting


def in_meeting_region(user, meeting: Meeting) -> bool:
    """The meeting's region lies within the user's jurisdiction (not merely a task's owner)."""
    scope = _scope(user)
    return scope is not None and scope[0] <= meeting.region_id <= scope[1]


def discussed_patients(user, meeting: Meeting) -> tuple[list[Patient], int]:
    """(patients discussed that the user may see, how many others were discussed)."""
    visible = list(meeting.patients.filter(pk__in=patient_selectors.patients_for(user).values("pk"))
                   .select_related("region").order_by("region_id", "name"))
    return visible, meeting.patients.count() - len(visible)


# Per-patient rows: agreements, incidents -------------------------------------------------------------
def _get_row_for(request, model, pk, label: str, *, action: str = "view", audit_success: bool = True):
    """A row of a per-patient model if its patient is within the user's jurisdiction; otherwise 404
    identical to a missing one, audited with the patient's id when it exists."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        audit.record_request(request, action, outcome="not_found", target=f"{label}:{str(pk)[:40]}")
        raise Http404("记录不存在") from None
    row = model.objects.filter(pk=pk, patient__in=patient_selectors.patients_for(request.user)).select_related(
        "patient", "patient__region").first()
    if row is None:
        patient_id = model.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
        audit.record_request(request, action, outcome="denied" if patient_id else "not_found",
                             patient_id=patient_id, target=f"{label}:{pk}")
        raise Http404("记录不存在")
    if audit_success:
        audit.record_request(request, action, patient_id=row.patient_id, target=f"{label}:{pk}")
    return row


def get_agreement_for(request, pk, **kwargs) -> GuardianshipAgreement:
    return _get_row_for(request, GuardianshipAgreement, pk, "guardianship", **kwargs)


def get_incident_for(request, pk, **kwargs) -> Incident:
    return _get_row_for(request, Incident, pk, "incident", **kwargs)


def agreements_of(patient) -> QuerySet[GuardianshipAgreement]:
    return patient.guardianship_agreements.select_related("guardian", "revoked_by", "created_by", "replaced_by")


def incidents_for(user, *, region_code: str = "", kind: str = "", patient_id: int | None = None,
                  unreviewed: bool = False) -> QuerySet[Incident]:
    scope = _scope(user)
    if scope is None:
        return Incident.objects.none()
    lo, hi = _narrow(*scope, region_code)
    qs = Incident.objects.filter(patient__region_id__gte=lo, patient__region_id__lte=hi)
    if kind:
        qs = qs.filter(kind=kind)
    if patient_id:
        qs = qs.filter(patient_id=patient_id)
    if unreviewed:
        qs = qs.filter(reviewed_at__isnull=True)
    return qs.select_related("patient", "patient__region", "recorded_by").order_by("-date", "-id")


# Meeting task owners -------------------------------------------------------------------------------------
MAX_OWNERS = 200  # a township's staff and the county's above it; more would say the query is too broad
def eligible_users(region_code: str) -> QuerySet:
    """The users a meeting held in ``region_code`` may name (attendee accounts, task owners): active, may
    see patients, their region within or above the meeting's. ``region_code`` is a valid code."""
    from jingfang.accounts import roles
    from jingfang.accounts.models import User

    lo, hi = codes.code_range(region_code)
    allowed = [r for r in roles.ROLES if roles.can(r, roles.VIEW_PATIENTS)]
    return User.objects.filter(is_active=True, role__in=allowed).filter(
        Q(region_id__gte=lo, region_id__lte=hi) | Q(region_id__in=codes.ancestor_codes(region_code)))


def owner_candidates(actor, region_code: str, patient_ids=(), q: str = "") -> list[tuple[object, bool]]:
    """Who may own a task of a meeting held in ``region_code``, as (user, on a discussed patient's care
    team), in the order a picker offers them: the care-team members with an account of the patients
    discussed (those the actor sees, within the meeting's region), then the other staff of the meeting's
    region and of the regions above it. These are exactly the users services_meeting accepts (active,
    may see patients, region within or above the meeting's): never a user of another township or
    village. A region outside the actor's jurisdiction has no candidates. ``q``: part of a name or
    username."""
    scope = patient_selectors.jurisdiction_range(actor)
    if scope is None or not codes.is_valid_code(region_code) or not scope[0] <= region_code <= scope[1]:
        return []
    lo, hi = codes.code_range(region_code)
    users = eligible_users(region_code)
    if q:
        users = users.filter(Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(username__icontains=q))
    ids = [pk for pk in map(core_ids.parse, patient_ids) if pk is not None][:50]
    patients = patient_selectors.patients_for(actor).filter(pk__in=ids, region_id__gte=lo, region_id__lte=hi)
    team = set(TeamMember.objects.filter(team__patient__in=patients, user__isnull=False)
               .values_list("user_id", flat=True)) if ids else set()
    users = users.select_related("region").order_by("region_id", "role", "username")
    members = list(users.filter(pk__in=team)) if team else []
    others = list(users.exclude(pk__in=[u.pk for u in members])[:MAX_OWNERS])
    return [(u, True) for u in members] + [(u, False) for u in others]
