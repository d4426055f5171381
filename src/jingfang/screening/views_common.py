"""Helpers shared by the screening pages."""

from jingfang.audit import log as audit
from jingfang.core import errors
from jingfang.core.paging import querystring_without_page
from jingfang.regions import selectors as region_selectors

from .permissions import flags


def used(filters: dict) -> list[str]:
    return sorted(k for k, v in filters.items() if v not in ("", None, False))


def list_audit(request, filters: dict, count: int, target: str) -> None:
    audit.record_request(request, "search" if used(filters) else "list", target=target,
                         detail={"count": count, "filters": used(filters)})


def base_context(request, filters: dict | None = None) -> dict:
    return {
        "filters": filters or {},
        "qs": querystring_without_page(request),
        "regions": region_selectors.subregions_for(request.user),
        **flags(request.user),
    }


def status_for(problem) -> int:
    if problem is None:
        return 200
    return getattr(problem, "status", 422) if isinstance(problem, errors.ServiceError) else 422


def bool_param(value: str) -> bool | None:
    return True if value == "1" else (False if value == "0" else None)
