"""The demo county's community rehabilitation (薛城区2016 一（二）2, 二（一）2, 二（二）), made through the rehab
services: a 日间康复站 in 青山镇 (health), a 庇护工厂 in 平川镇 (the DPF), in 雪城街道 a 职业康复中心 (a social
organisation) and a 中途宿舍 of civil affairs that is suspended, and in 中岭乡 a 农疗基地 (the county's own
form) that closed: 3 of 4 townships covered (75 % against 薛城区2016's 60 %), 中岭乡 listed. The county
psychiatric hospital's multi-function team has the five kinds of members and a volunteer. At-home patients are
enrolled (some in the DPF's home training, one ended on finding work) with monthly attendance, and some
follow-ups of this year carry 康复措施, which the participation rate counts as well. Names are synthetic."""

import datetime as dt
import random

from faker import Faker

from .quiet import quietly


def _month_starts(first: dt.date, today: dt.date):
    day = first.replace(day=1)
    while day <= today:
        yield day
        day = (day + dt.timedelta(days=32)).replace(day=1)


def make_rehab(seed: int, users: dict, today: dt.date) -> dict:
    from jingfang.followups.models import FollowUp
    from jingfang.registry.models import Patient
    from jingfang.rehab import services

    rng, fake = random.Random(f"{seed}:rehab"), Faker("zh_CN")
    fake.seed_instance(seed + 11)
    county = users["county"]
    counts = {"facilities": 0, "team_members": 0, "enrolments": 0, "attendance": 0}

    def facility(code, name, kind, operator, opened, **extra):
        f = quietly("rehab facility", services.create_facility, county, data={
            "region_code": code, "name": name, "kind": kind, "operator": operator, "address": extra.pop("address"),
            "places": str(extra.pop("places")), "opened_on": opened.isoformat(), **extra})
        counts["facilities"] += f is not None
        return f

    years = dt.timedelta(days=365)
    station = facility("990102001000", "青山镇精神康复日间康复站", "day_station", "health", today - 3 * years,
                       address="青山镇卫生院东楼二层", places=25, operator_name="青山镇卫生院")
    workshop = facility("990102002000", "平川镇阳光庇护工厂", "sheltered_workshop", "dpf", today - 2 * years,
                        address="平川镇工业园8号", places=15, operator_name="平川镇残联")
    centre = facility("990102004000", "雪城街道心康职业康复中心", "vocational_centre", "social_org", today - years,
                      address="雪城街道康宁路12号", places=20, operator_name="示范县心康社会工作服务中心",
                      note="政府购买服务（薛城区2016，二（七））")
    facility("990102004000", "雪城街道中途宿舍", "halfway_house", "civil_affairs", today - 2 * years,
             address="雪城街道民政服务站后院", places=6, status="suspended", note="房屋修缮，暂停运营")
    facility("990102003000", "中岭乡农疗基地", "other", "health", today - 4 * years, kind_other="农疗基地",
             address="中岭乡中岭村果园", places=10, status="closed", closed_on=(today - years // 2).isoformat())

    team = quietly("rehab team", services.create_team, county, data={
        "region_code": "990102000000", "name": "医院—社区精神康复多功能服务团队", "host": "示范县精神病防治院",
        "formed_on": (today - 2 * years).isoformat(), "note": "薛城区2016，二（一）2"})
    if team is not None:
        for role, unit in (("psychiatrist", "示范县精神病防治院"), ("nurse", "示范县精神病防治院"),
                           ("psychotherapist", "示范县精神病防治院"), ("rehab_therapist", "示范县精神病防治院"),
                           ("social_worker", "示范县心康社会工作服务中心"), ("volunteer", "示范县精神卫生志愿者协会")):
            m = quietly("team member", services.add_member, county, team=team, data={
                "name": fake.name(), "role": role, "unit": unit, "joined_on": (today - 2 * years).isoformat()})
            counts["team_members"] += m is not None

    def at_home(township: str, n: int) -> list:
        return list(Patient.objects.filter(region_id__gte=township[:9] + "001", region_id__lte=township[:9] + "999",
                                           status="at_home", transfer_pending=False).order_by("pk")[:n])

    def enrol(user, patient, programme, fac=None, ended=False):
        start = max(patient.registered_on, today - dt.timedelta(days=rng.randint(60, 240)))
        e = quietly("enrolment", services.enrol, users[user], patient=patient, data={
            "programme": programme, "facility_id": str(fac.pk) if fac else "", "start": start.isoformat()})
        if e is None:
            return
        counts["enrolments"] += 1
        last = today - dt.timedelta(days=rng.randint(20, 40)) if ended else today
        for month in _month_starts(start, max(last, start)):
            a = quietly("attendance", services.record_attendance, users[user], enrolment=e, data={
                "month": f"{month:%Y-%m}", "days": str(rng.randint(6, 20) if month < today.replace(day=1)
                                                       else min(today.day, rng.randint(2, 10)))})
            counts["attendance"] += a is not None
        if ended:
            quietly("end enrolment", services.end_enrolment, users[user], enrolment=e, data={
                "end": max(last, start).isoformat(), "end_reason": "employed", "note": "在庇护工厂训练后到镇上企业就业"})

    qs, pc, zl, xc = (at_home(c, 8) for c in ("990102001000", "990102002000", "990102003000", "990102004000"))
    for p in qs[:3]:
        if station:
            enrol("doctor1", p, "facility", station)
    if qs[3:4]:
        enrol("dpf1", qs[3], "home")
    for i, p in enumerate(pc[:3]):
        if workshop:
            enrol("dpf2", p, "facility", workshop, ended=i == 0)
    for p in zl[:2]:
        enrol("dpf3", p, "home")
    for p in xc[:2]:
        if centre:
            enrol("doctor4", p, "facility", centre)

    # 康复措施 on this year's follow-ups of some other at-home patients (as the village doctors record them on
    # the national form): counted by the participation rate without a second entry.
    measures = ["life_skills", "social", "vocational", "study"]
    from jingfang.rehab.models import Enrolment

    enrolled = set(Enrolment.objects.values_list("patient_id", flat=True))
    recent = (FollowUp.objects.filter(date__gte=today.replace(month=1, day=1), patient__status="at_home")
              .exclude(patient_id__in=enrolled).order_by("pk").values_list("pk", flat=True))
    chosen = [pk for pk in recent if rng.random() < 0.15]
    for pk in chosen:
        FollowUp.objects.filter(pk=pk).update(rehab_measures=rng.sample(measures, rng.randint(1, 2)))
    counts["followups_with_measures"] = len(chosen)
    return counts
