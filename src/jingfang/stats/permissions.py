"""Who may see statistics and oversight, and which regions they may ask about.

- Statistics (KPIs, dashboard, drill-downs): county supervisors, township offices, township doctors and
  village doctors, each for their own region and the regions within it. Drill-down lists go through
  registry.selectors.patients_for and show each patient as registry.serializers.patient_summary for the
  role, so the township office (not a health role) sees counts but no clinical field; lists whose very
  membership is clinical (stable, on medication, unstable) are for health roles only (CLINICAL_LISTS).
- The figures of the KPIs counted from clinical fields (condition class, adherence: CLINICAL_KPIS) are
  withheld from the other roles wherever KPIs are shown -- API, dashboard, KPI table, exports, drill-down
  pages, inspection reports -- by ``visible_kpis`` (and ``visible_snapshot`` for a stored report): a
  figure of a small region over a short period would tell one patient's medication or condition.
- Inspection reports: county supervisors create reports, write findings and add rectification items;
  users of the township (office and doctor) and the county supervisor see the reports and close items.
- A region outside the user's is answered exactly like an unknown one (404), and the attempt is audited.
"""

from dataclasses import replace
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.regions import codes
from jingfang.regions.models import Region

from .kpis import KPI, SPECS, WITHHELD_TEXT

STATS_ROLES = frozenset({roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_OFFICE, roles.TOWNSHIP_DOCTOR,
                         roles.VILLAGE_DOCTOR})
INSPECTOR_ROLES = frozenset({roles.COUNTY_SUPERVISOR})
CLOSER_ROLES = frozenset({roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_OFFICE, roles.TOWNSHIP_DOCTOR})
REGION_NOT_FOUND = "区划不存在"
# Lists whose very membership tells a clinical fact (condition class, medication): health roles only.
CLINICAL_LISTS = frozenset({("stable", "numerator"), ("medication", "numerator"), ("regular_medication", "numerator"),
                            ("unstable_case_management", "numerator"), ("unstable_case_management", "denominator")})
# KPIs counted from clinical fields (condition class, adherence): their figures are for health roles only.
CLINICAL_KPIS = frozenset(key for key, _ in CLINICAL_LISTS)
# Lists of the patients behind the treatment-cost KPIs (hospital stays, costs of poor patients: personal and
# financial, 薛城区2016 一（二）3): health roles only; the figures themselves stay visible to every statistics role.
COST_LISTS = frozenset((key, which) for key in ("poor_self_paid", "inpatient_insurance")
                       for which in ("numerator", "denominator"))


def can_view(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in STATS_ROLES)


def can_inspect(user) -> bool:
    return can_view(user) and user.role in INSPECTOR_ROLES


def can_see_report(user, report) -> bool:
    """The report's township lies within the user's region (county supervisor, township users)."""
    return can_view(user) and user.role in CLOSER_ROLES and codes.is_within(report.township_id, user.region_id)


def can_close(user, item) -> bool:
    return item.status == "open" and can_see_report(user, item.report)


def may_list(user, key: str, which: str) -> bool:
    """May the user open the list of patients behind this numerator or denominator?"""
    restricted = (key, which) in CLINICAL_LISTS or (key, which) in COST_LISTS
    return can_view(user) and (not restricted or roles.sees_clinical(user.role))


def listable(user, keys) -> dict[str, tuple[bool, bool]]:
    return {k: (may_list(user, k, "numerator"), may_list(user, k, "denominator")) for k in keys}


def sees_kpi(user, key: str) -> bool:
    """May the user read this KPI's numerator, denominator and value?"""
    return key not in CLINICAL_KPIS or bool(user and roles.sees_clinical(user.role))


def visible_kpis(user, kpis) -> list[KPI]:
    """The KPIs as the user may see them: every output of KPIs (API, pages, exports) goes through here. For a
    role without clinical rights the clinical KPIs keep their name and definition but lose their figures
    (numerator, denominator, value, target met, patients; ``withheld``, shown as WITHHELD_TEXT)."""
    return [k if sees_kpi(user, k.key) else k.without_figures() for k in kpis]


def visible_board(user, board):
    """A dashboard (stats.compute.Board) with visible_kpis applied to its KPIs, its trend and its ranking."""
    return replace(board, kpis=visible_kpis(user, board.kpis),
                   trend=[(p, visible_kpis(user, ks)) for p, ks in board.trend],
                   ranking=[(r, visible_kpis(user, ks)) for r, ks in board.ranking])


def visible_snapshot(user, snap: dict) -> dict:
    """A stored inspection report's figures (stats.inspections.snapshot) as the user may see them: the
    same rule as visible_kpis, on the KPIs as stored (dicts) and on the villages' figures."""
    if not snap or roles.sees_clinical(user.role):
        return snap
    hidden = {"numerator": None, "denominator": None, "value": None, "display": WITHHELD_TEXT, "met": None,
              "available": False, "withheld": True}
    names = {SPECS[key].name for key in CLINICAL_KPIS}
    out = dict(snap)
    out["kpis"] = [{**k, **hidden} if k.get("key") in CLINICAL_KPIS else k for k in snap.get("kpis") or []]
    out["villages"] = [{**v, "kpis": {key: WITHHELD_TEXT if key in CLINICAL_KPIS else d
                                      for key, d in (v.get("kpis") or {}).items()},
                        "below_target": [n for n in v.get("below_target") or [] if n not in names]}
                       for v in snap.get("villages") or []]
    return out


def can_export(user) -> bool:
    return can_view(user) and roles.can(user.role, roles.EXPORT)


def stats_required(view):
    """Page guard: signed in with a statistics role; a refusal is audited."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_view(request.user):
            action = "export" if request.path.endswith(".xlsx") else "view"
            audit.record_request(request, action, outcome="denied", target=f"page:{request.path[:100]}")
            raise PermissionDenied("您的角色无权查看统计与督导")
        return view(request, *args, **kwargs)

    return wrapped


def region_for(request, code: str | None, *, action: str = "view") -> Region:
    """The region asked for (default: the user's own), if it lies within the user's region; otherwise 404,
    identical for an unknown code and a code outside the jurisdiction, audited either way."""
    user = request.user
    code = (code or "").strip()[:12] or user.region_id
    region = None
    if codes.is_valid_code(code) and codes.is_within(code, user.region_id):
        region = Region.objects.filter(code=code).first()
    if region is None:
        exists = codes.is_valid_code(code) and Region.objects.filter(code=code).exists()
        audit.record_request(request, action, outcome="denied" if exists else "not_found",
                             target=f"region:{code}")
        raise Http404(REGION_NOT_FOUND)
    return region
