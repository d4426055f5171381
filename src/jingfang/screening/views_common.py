"""Helpers shared by the screening pages."""

from jingfang.core.listing import audit_list as list_audit  # noqa: F401  (used by the views)
from jingfang.core.listing import status_for  # noqa: F401
from jingfang.core.listing import used_filters as used  # noqa: F401
from jingfang.core.paging import querystring_without_page
from jingfang.regions import selectors as region_selectors

from .permissions import flags


def base_context(request, filters: dict | None = None) -> dict:
    return {
        "filters": filters or {},
        "qs": querystring_without_page(request),
        "regions": region_selectors.subregions_for(request.user),
        **flags(request.user),
    }



def bool_param(value: str) -> bool | None:
    return True if value == "1" else (False if value == "0" else None)
