"""API: the administrative region tree. Regions are not personal data: any signed-in user may read any."""

from django.http import Http404
from ninja import Router, Schema

from jingfang.regions import codes

from .models import Region

router = Router(tags=["区划"])

NOT_FOUND = "区划不存在"


class RegionOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    parent_code: str | None
    population: int


def region_data(region: Region) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "level": codes.LEVEL_KEYS[region.level],
        "level_label": codes.LEVEL_NAMES[region.level],
        "parent_code": region.parent_id,
        "population": region.population,
    }


def _get(code: str) -> Region:
    region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
    if region is None:
        raise Http404(NOT_FOUND)
    return region


@router.get("/regions/{code}", response=RegionOut, summary="区划详情")
def region_detail(request, code: str):
    """level 取值：province、city、county、township、village。"""
    return region_data(_get(code))


@router.get("/regions/{code}/children", response=list[RegionOut], summary="下级区划")
def region_children(request, code: str):
    """按代码排序的直接下级区划（供选择器使用）。"""
    region = _get(code)
    return [region_data(r) for r in Region.objects.filter(parent=region).order_by("code")]
