"""Helpers shared by the care pages."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core.listing import audit_list as list_audit  # noqa: F401  (used by the views)
from jingfang.core.listing import status_for  # noqa: F401
from jingfang.core.listing import used_filters as used  # noqa: F401
from jingfang.core.paging import querystring_without_page
from jingfang.regions import codes
from jingfang.regions import selectors as region_selectors

from . import permissions
from .selectors import county_of


def deny(request, audit_action: str = "view", patient_id=None):
    audit.record_request(request, audit_action, outcome="denied", patient_id=patient_id,
                         target=f"page:{request.path[:100]}")
    raise PermissionDenied("您的角色无权执行此操作")


def require_page(request, action: str, audit_action: str, patient_id=None) -> None:
    if not permissions.can(request.user, action):
        deny(request, audit_action, patient_id)


def region_param(request) -> str:
    return request.GET.get("region", "").strip()[:12]




def base_context(request, filters: dict | None = None) -> dict:
    return {
        "filters": filters or {},
        "qs": querystring_without_page(request),
        "regions": region_selectors.subregions_for(request.user),
        **permissions.flags(request.user),
    }



def colleagues(user):
    """Users of the actor's county who may see patients: the choices for linked accounts, attendees
    and task owners (the services check each against the patient's county or the meeting's region)."""
    lo, hi = codes.code_range(county_of(user.region_id))
    allowed = [r for r in roles.ROLES if roles.can(r, roles.VIEW_PATIENTS)]
    return (get_user_model().objects.filter(region_id__gte=lo, region_id__lte=hi, is_active=True, role__in=allowed)
            .select_related("region").order_by("region_id", "role", "username"))


def user_label(u) -> str:
    return f"{u.get_full_name() or u.username}（{u.role_label}，{u.region.name}）"


def int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def rows_from_post(post, prefix: str, names: tuple[str, ...], count: int) -> list[dict]:
    """Rows ``{prefix}-{i}-{name}`` of a form, skipping rows left entirely blank."""
    rows = []
    for i in range(count):
        row = {n: post.get(f"{prefix}-{i}-{n}", "").strip() for n in names}
        if any(v for k, v in row.items() if k not in ("id", "is_leader")):
            rows.append(row)
    return rows
