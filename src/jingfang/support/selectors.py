"""Scoped reads of support's rows. Patients come only from registry.selectors; rows that carry a
region code are filtered with registry.selectors.jurisdiction_range. Anything outside the user's
jurisdiction is a 404 identical to a missing row, audited "denied" (missing: "not_found")."""

from django.http import Http404

from jingfang.audit import log as audit
from jingfang.core import ids
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry import selectors as patient_selectors

from .models import Benefit, CostEpisode, ReliefApplication, ReliefFund, RewardRun

NOT_FOUND = {
    "run": "发放批次不存在",
    "application": "救助申请不存在",
    "benefit": "待遇记录不存在",
    "township": "乡镇不存在",
    "fund": "救助基金不存在",
    "cost": "医疗费用记录不存在",
}


def scope(user) -> tuple[str, str] | None:
    return patient_selectors.jurisdiction_range(user)


def in_scope(user, code: str) -> bool:
    s = scope(user)
    return bool(s and code and s[0] <= code <= s[1])


def _deny(request, what: str, pk, *, exists: bool, action: str, patient_id=None):
    audit.record_request(request, action, outcome="denied" if exists else "not_found",
                         patient_id=patient_id if exists else None, target=f"{what}:{str(pk)[:40]}")
    raise Http404(NOT_FOUND[what])


# ---- townships --------------------------------------------------------------------------------------

def townships_for(user) -> list[Region]:
    s = scope(user)
    if s is None:
        return []
    return list(Region.objects.filter(level=codes.TOWNSHIP, code__gte=s[0], code__lte=s[1]).order_by("code"))


def get_township_for(request, code: str, *, action: str = "view") -> Region:
    """A township within the user's jurisdiction, else 404 (audited)."""
    code = (code or "").strip()[:12]
    region = Region.objects.filter(code=code, level=codes.TOWNSHIP).first() if codes.is_valid_code(code) else None
    if region is None or not in_scope(request.user, region.code):
        _deny(request, "township", code or "-", exists=region is not None, action=action)
    return region


def default_township(user) -> Region | None:
    towns = townships_for(user)
    return towns[0] if towns else None


# ---- reward runs ------------------------------------------------------------------------------------

def runs_for(user):
    s = scope(user)
    if s is None:
        return RewardRun.objects.none()
    return RewardRun.objects.filter(township_id__gte=s[0], township_id__lte=s[1]).select_related("township")


def get_run_for(request, pk, *, action: str = "view") -> RewardRun:
    run = runs_for(request.user).filter(pk=ids.parse(pk)).first() if ids.parse(pk) else None
    if run is None:
        _deny(request, "run", pk, exists=bool(ids.parse(pk)) and RewardRun.objects.filter(pk=ids.parse(pk)).exists(),
              action=action)
    return run


# ---- relief -----------------------------------------------------------------------------------------

def applications_for(user):
    s = scope(user)
    if s is None:
        return ReliefApplication.objects.none()
    return (ReliefApplication.objects.filter(patient__region_id__gte=s[0], patient__region_id__lte=s[1])
            .select_related("patient", "patient__region"))


def get_application_for(request, pk, *, action: str = "view", audit_success: bool = True) -> ReliefApplication:
    app = applications_for(request.user).filter(pk=ids.parse(pk)).first() if ids.parse(pk) else None
    if app is None:
        other = ReliefApplication.objects.filter(pk=ids.parse(pk)).first() if ids.parse(pk) else None
        _deny(request, "application", pk, exists=other is not None, action=action,
              patient_id=other.patient_id if other else None)
    if audit_success:
        audit.record_request(request, action, patient_id=app.patient_id, target=f"application:{app.pk}")
    return app


def county_code_of(code: str) -> str:
    return code[:6] + "000000"


def funds_for(user):
    """Funds of the user's county (townships and villages see their county's fund) or of counties within."""
    if scope(user) is None:
        return ReliefFund.objects.none()
    lo, hi = scope(user)
    own = county_code_of(user.region_id) if codes.level_of(user.region_id) >= codes.COUNTY else None
    qs = ReliefFund.objects.filter(county_id__gte=lo, county_id__lte=hi)
    if own:
        qs = qs | ReliefFund.objects.filter(county_id=own)
    return qs.select_related("county")


def county_for(request, code: str = "", *, action: str = "view") -> Region:
    """The county whose fund the user looks at: the given one if visible, else the user's own."""
    user = request.user
    if not code:
        if codes.level_of(user.region_id) < codes.COUNTY:
            _deny(request, "fund", "-", exists=False, action=action)
        code = county_code_of(user.region_id)
    region = Region.objects.filter(code=code, level=codes.COUNTY).first() if codes.is_valid_code(code) else None
    visible = region is not None and (in_scope(user, region.code) or (
        codes.level_of(user.region_id) >= codes.COUNTY and county_code_of(user.region_id) == region.code))
    if not visible:
        _deny(request, "fund", code, exists=region is not None, action=action)
    return region


# ---- benefits ---------------------------------------------------------------------------------------

def get_benefit_for(request, patient, pk, *, action: str = "update") -> Benefit:
    benefit = Benefit.objects.filter(pk=ids.parse(pk), patient=patient).first() if ids.parse(pk) else None
    if benefit is None:
        _deny(request, "benefit", pk, exists=False, action=action)
    return benefit


def get_benefit_by_id(request, pk, *, action: str = "update") -> Benefit:
    """API: a benefit by its own id, through its patient's jurisdiction."""
    benefit = Benefit.objects.filter(pk=ids.parse(pk)).select_related("patient").first() if ids.parse(pk) else None
    if benefit is None or not in_scope(request.user, benefit.patient.region_id):
        _deny(request, "benefit", pk, exists=benefit is not None, action=action,
              patient_id=benefit.patient_id if benefit else None)
    return benefit



# ---- cost episodes ----------------------------------------------------------------------------------

def get_episode_for(request, pk, *, action: str = "view", audit_success: bool = True) -> CostEpisode:
    """A cost episode of a patient within the user's jurisdiction (through registry.selectors), else 404
    like a missing one (audited)."""
    key = ids.parse(pk)
    mine = CostEpisode.objects.filter(patient__in=patient_selectors.patients_for(request.user))
    episode = mine.select_related("patient", "patient__region", "relief").filter(pk=key).first() if key else None
    if episode is None:
        other = CostEpisode.objects.filter(pk=key).first() if key else None
        _deny(request, "cost", pk, exists=other is not None, action=action,
              patient_id=other.patient_id if other else None)
    if audit_success:
        audit.record_request(request, action, patient_id=episode.patient_id, target=f"cost:{episode.pk}")
    return episode
