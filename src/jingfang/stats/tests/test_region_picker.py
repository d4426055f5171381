"""The statistics region picker lists the user's region and two levels below it (a province user is not
sent every village), and always the region being shown."""

import pytest

from jingfang.regions.models import Region
from jingfang.stats.views import regions_for

pytestmark = pytest.mark.django_db


def codes(regions):
    return [r.code for r in regions]


def test_a_county_user_picks_the_county_its_townships_and_villages(make_user):
    user = make_user("county_supervisor", "county")
    assert codes(regions_for(user)) == ["990102000000", "990102001000", "990102001001", "990102001002",
                                        "990102002000", "990102002001"]


def test_a_province_user_picks_cities_and_counties_not_villages(make_user):
    user = make_user("county_supervisor", "province")
    assert codes(regions_for(user)) == ["990000000000", "990100000000", "990102000000", "990103000000"]


def test_the_region_shown_is_listed_even_when_deeper(make_user):
    user = make_user("county_supervisor", "province")
    shown = Region.objects.get(code="990102001001")
    assert "990102001001" in codes(regions_for(user, shown))
