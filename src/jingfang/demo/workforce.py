"""The demo county's mental-health workforce (薛城区2016 一（二）4), made through the register's services:
a county psychiatric hospital and the county hospital with 4 精神科执业（助理）医师 (3.32 per 100,000 for
120,420 residents: target ≥ 3 met), and the four township health centres, three complete (精防人员 and a
trained GP with psychiatric scope) and 中岭乡's GP still without a passed training: one shortfall (75 %
of 100 %). Names are synthetic (Faker zh_CN)."""

import datetime as dt
import random

from faker import Faker

from .quiet import quietly

CENTRES = (("990102001000", "青山镇卫生院"), ("990102002000", "平川镇卫生院"), ("990102003000", "中岭乡卫生院"),
           ("990102004000", "雪城街道社区卫生服务中心"))


def make_workforce(seed: int, users: dict, today: dt.date) -> dict:
    from jingfang.workforce import services

    rng, fake = random.Random(f"{seed}:workforce"), Faker("zh_CN")
    fake.seed_instance(seed + 7)
    county = users["county"]
    counts = {"institutions": 0, "staff": 0, "trainings": 0}

    def institution(code, name, kind):
        inst = quietly("institution", services.create_institution, county,
                       data={"region_code": code, "name": name, "kind": kind})
        counts["institutions"] += inst is not None
        return inst

    def staff(inst, kind, **extra):
        if inst is None:
            return None
        started = today - dt.timedelta(days=rng.randint(400, 4000))
        member = quietly("staff", services.create_staff, county, institution=inst, data={
            "name": fake.name(), "kind": kind, "started": started.isoformat(), **extra})
        counts["staff"] += member is not None
        return member

    def training(member, course, hours, passed=True):
        if member is None:
            return
        day = today - dt.timedelta(days=rng.randint(30, 360))
        done = quietly("training", services.add_training, county, staff=member, data={
            "course": course, "hours": str(hours), "date": day.isoformat(), "passed": "on" if passed else "",
            "certificate": f"SF{day:%Y}{rng.randint(1000, 9999)}" if passed else ""})
        counts["trainings"] += done is not None

    hospital = institution("990102000000", "示范县精神病防治院", "county_mh")
    general = institution("990102000000", "示范县人民医院", "county_general")
    for _ in range(3):
        training(staff(hospital, "psychiatrist", title="主治医师"), "精神科医师继续教育", 24)
    staff(general, "psychiatrist", title="住院医师", note="心理门诊")
    for i, (code, name) in enumerate(CENTRES):
        centre = institution(code, name, "township_hc")
        training(staff(centre, "prevention", employment="full_time" if i != 2 else "part_time"),
                 "基层精防人员岗位培训", 16)
        gp = staff(centre, "gp_psych", title="全科主治医师")
        training(gp, "全科医生精神卫生专业培训", 120, passed=i != 2)  # 中岭乡: not passed yet
    return counts
