"""Region.ancestors(): the chain from the root, in one query when the codes follow the 2+2+2+3+3 pattern."""

import pytest

from jingfang.regions import codes
from jingfang.regions.models import Region


@pytest.mark.parametrize("code, expected", [
    ("990102001001", ["990102001000", "990102000000", "990100000000", "990000000000"]),  # village
    ("990102001000", ["990102000000", "990100000000", "990000000000"]),  # township
    ("990102000000", ["990100000000", "990000000000"]),  # county
    ("990100000000", ["990000000000"]),  # city
    ("990000000000", []),  # province
])
def test_ancestor_codes(code, expected):
    assert codes.ancestor_codes(code) == expected


def _tree():
    province = Region.objects.create(code="990000000000", name="示范省", level=codes.PROVINCE)
    city = Region.objects.create(code="990100000000", name="示范市", level=codes.CITY, parent=province)
    county = Region.objects.create(code="990102000000", name="示范县", level=codes.COUNTY, parent=city)
    town = Region.objects.create(code="990102001000", name="青山镇", level=codes.TOWNSHIP, parent=county)
    return Region.objects.create(code="990102001001", name="东坡村", level=codes.VILLAGE, parent=town)


@pytest.mark.django_db
def test_full_name_reads_the_chain_in_one_query(django_assert_num_queries):
    _tree()
    village = Region.objects.get(pk="990102001001")
    with django_assert_num_queries(1):
        assert village.full_name() == "示范县青山镇东坡村"
        assert [r.code for r in village.ancestors()] == ["990000000000", "990100000000", "990102000000",
                                                          "990102001000"]


@pytest.mark.django_db
def test_a_parent_outside_the_code_pattern_is_still_followed():
    village = _tree()
    other = Region.objects.create(code="990103000000", name="另一县", level=codes.COUNTY,
                                  parent_id="990100000000")
    village.parent.parent = other  # a township hung under a county its code does not name
    village.parent.save()
    fresh = Region.objects.get(pk=village.pk)
    assert [r.name for r in fresh.ancestors()] == ["示范省", "示范市", "另一县", "青山镇"]
