"""Helpers shared by the key-person, plan, lost, medication and sensitive-period pages."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import xlsx
from jingfang.core.listing import audit_list, used_filters
from jingfang.core.paging import querystring_without_page
from jingfang.exports import guard
from jingfang.regions import selectors as region_selectors

from . import engine
from . import selectors_keyperson as sel

MEASURE_ROWS = 3  # blank measure rows on the plan form


# ---- shared helpers ----------------------------------------------------------------------------

def _deny(request, audit_action: str = "view", patient_id=None):
    audit.record_request(request, audit_action, outcome="denied", patient_id=patient_id,
                         target=f"page:{request.path[:100]}")
    raise PermissionDenied("您的角色无权执行此操作")


def clinical_required(view):
    """Page guard for clinical lists: signed in, and a health role (accounts.roles.sees_clinical)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles.sees_clinical(request.user.role) or not roles.can(request.user.role, roles.VIEW_PATIENTS):
            _deny(request, "export" if request.path.endswith(".xlsx") else "view")
        return view(request, *args, **kwargs)

    return wrapped


def _region_param(request) -> str:
    return request.GET.get("region", "").strip()[:12]


_used = used_filters
_list_audit = audit_list


def _who(user) -> str:
    return f"{user.get_full_name() or user.username}（{user.role_label}）"


def _export(request, title: str, filename: str, headers: list[str], rows, filters: dict):
    """Build the workbook, audit the export with its row count, and send it."""
    rows = list(rows)
    return guard.send(request, count=len(rows), filename=filename, target=filename, title=title,
                      build=lambda: xlsx.build_workbook(title, headers, rows, _who(request.user)),
                      detail={"filters": _used(filters)})


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _grade_legend(user) -> list[dict]:
    """The colour grades of the user's policy profile, in words, for the legend."""
    profile = engine.profile_for(user.region_id)
    out, seen = [], set()
    for g in profile.grades:
        if g.label not in seen:
            seen.add(g.label)
            out.append({"colour": g.colour if g.colour in sel.GRADE_COLOURS else "grey", "label": g.label})
    return out


def _base_context(request, filters: dict) -> dict:
    return {
        "filters": filters,
        "qs": querystring_without_page(request),
        "regions": region_selectors.subregions_for(request.user),
    }

