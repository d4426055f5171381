import datetime as dt

import pytest

from jingfang.core import clock
from jingfang.regions.models import Region
from jingfang.registry.models import Patient

TODAY = clock.today()


@pytest.fixture
def rehab(users, make_patient):
    """The county under 薛城区2016 (coverage target 60 %): 东镇 has a 日间康复站 run by health and a DPF
    庇护工厂, 西镇 none; 张甲 (甲村) and 李乙 (乙村) of 东镇 and 王丙 (丙村, 西镇) at home, registered 400 days ago."""
    from jingfang.rehab import services

    Region.objects.filter(code="990102000000").update(policy="xuecheng-2016")
    county = users["county"]
    station = services.create_facility(county, data={
        "region_code": "990102001000", "name": "东镇日间康复站", "kind": "day_station", "operator": "health",
        "address": "东镇卫生院二楼", "places": "20", "opened_on": "2020-03-01"})
    workshop = services.create_facility(users["doctor"], data={
        "region_code": "990102001000", "name": "东镇阳光庇护工厂", "kind": "sheltered_workshop", "operator": "dpf",
        "operator_name": "东镇残联", "address": "东镇工业园3号", "places": "10", "opened_on": "2021-06-01"})
    out = {"station": station, "workshop": workshop}
    for name, code in (("张甲", "990102001001"), ("李乙", "990102001002"), ("王丙", "990102002001")):
        p = make_patient(code, name=name)
        Patient.objects.filter(pk=p.pk).update(registered_on=TODAY - dt.timedelta(days=400))
        p.refresh_from_db()
        out[name] = p
    return out
