import datetime as dt

import pytest

from jingfang.core import clock
from jingfang.regions.models import Region


@pytest.fixture
def register(users):
    """The county under 薛城区2016: a county hospital with 1 psychiatrist (60,000 residents: 1.67 per 100,000),
    东镇's health centre complete (精防人员 and a trained GP), 西镇's with only a 精防人员."""
    from jingfang.workforce import services

    Region.objects.filter(code="990102000000").update(policy="xuecheng-2016")
    county = users["county"]
    hospital = services.create_institution(county, data={"region_code": "990102000000", "name": "测试县精神病防治院",
                                                         "kind": "county_mh"})
    east = services.create_institution(county, data={"region_code": "990102001000", "name": "东镇卫生院",
                                                     "kind": "township_hc"})
    west = services.create_institution(county, data={"region_code": "990102002000", "name": "西镇卫生院",
                                                     "kind": "township_hc"})
    psy = services.create_staff(county, institution=hospital, data={"name": "赵医师", "kind": "psychiatrist",
                                                                    "started": "2020-01-01"})
    prev = services.create_staff(county, institution=east, data={"name": "钱精防", "kind": "prevention"})
    gp = services.create_staff(county, institution=east, data={"name": "孙全科", "kind": "gp_psych"})
    services.add_training(county, staff=gp, data={"course": "全科医生精神卫生转岗培训", "hours": "120",
                                                  "date": (clock.today() - dt.timedelta(days=30)).isoformat(),
                                                  "certificate": "JW-2025-001", "passed": "on"})
    west_prev = services.create_staff(county, institution=west, data={"name": "李精防", "kind": "prevention"})
    return {"hospital": hospital, "east": east, "west": west, "psy": psy, "prev": prev, "gp": gp,
            "west_prev": west_prev}
