from django.conf import settings
from django.core.paginator import Paginator


def paginate(request, queryset, size: int | None = None):
    """A Django page for ``?page=N`` (bad or out-of-range numbers give the nearest page)."""
    paginator = Paginator(queryset, size or settings.JINGFANG_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
