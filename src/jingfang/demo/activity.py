"""Work in progress for the demo county, made through the same services the pages use: suspected-case
leads at each stage, a screening campaign, hospital report cards (one overdue), transfers waiting in
both townships' inboxes, a release awaiting takeover, 一人一策 plans, and care and support (``support``:
agreements, care teams, benefits, meetings, reward runs, relief). Everything is synthetic (Faker zh_CN)."""

import datetime as dt
import random

from faker import Faker

from jingfang.accounts.models import User
from jingfang.core import clock, idnumber
from jingfang.registry.models import Patient

from .accounts import township_number, username
from .quiet import quietly
from .regions import AREA_CODE


def _synthetic_id(rng: random.Random, fake: Faker, sex: str) -> tuple[str, dt.date]:
    birth = fake.date_between(start_date="-70y", end_date="-18y")
    return idnumber.make(AREA_CODE, birth, rng.randint(600, 998), sex), birth


def make_activity(seed: int, today: dt.date | None = None) -> dict:
    from jingfang.intake import services as cards
    from jingfang.intake import services_movement as movement
    from jingfang.screening import services_campaigns as campaigns
    from jingfang.screening import services_leads as leads

    today = today or clock.today()
    rng, fake = random.Random(f"{seed}:activity"), Faker("zh_CN")
    fake.seed_instance(seed)
    users = {u.username: u for u in User.objects.all()}
    counts = {"leads": 0, "cards": 0, "transfers": 0, "releases": 0}
    village = "990102001002"

    for i in range(6):
        sex = rng.choice("MF")
        number, _ = _synthetic_id(rng, fake, sex)
        reporter = users["cadre1" if i < 3 else "police1"]
        lead = quietly("lead", leads.create_lead, reporter, {
            "name": fake.name_male() if sex == "M" else fake.name_female(), "sex": sex, "id_number": number,
            "region_code": "990102001001" if i < 3 else village, "address": f"{rng.randint(1, 9)}组{rng.randint(1, 80)}号",
            "signs": [str(s) for s in rng.sample(range(2, 10), 2)],
            "source": rng.choice(["door_to_door", "police_call", "guardian_report", "public_report"]),
            "found_on": (today - dt.timedelta(days=3 + 6 * i)).isoformat(), "dangerous": "on" if i == 1 else "",
        }, allow_duplicates=True)
        if lead is None:
            continue
        counts["leads"] += 1
        if i >= 3:
            quietly("refer", leads.refer, users["doctor1"], lead,
                     {"referred_to": "示范县精神卫生中心", "referred_on": (today - dt.timedelta(days=i)).isoformat()})
        if i == 5:
            quietly("exclude", leads.exclude, users["doctor1"], lead, {"exclusion_reason": "经专科诊断，不符合严重精神障碍诊断"})

    camp = quietly("campaign", campaigns.create_campaign, users["office1"], {
        "name": f"{today.year}年度严重精神障碍患者全覆盖摸排", "risk_since": dt.date(today.year, 1, 1).isoformat(),
        **{f"{p}_{k}": (today + dt.timedelta(days=offset + (0 if k == "start" else 13))).isoformat()
           for p, offset in (("plan", -30), ("implement", -16), ("fill_gaps", -2), ("consolidate", 12))
           for k in ("start", "end")},
    })
    if camp is not None:
        for group in ("risk3", "welfare_disability"):
            quietly("campaign import", campaigns.import_from_files, users["doctor1"], camp, group)

    for i, days in enumerate((2, 9, 16, 25)):
        sex = rng.choice("MF")
        number, _ = _synthetic_id(rng, fake, sex)
        card = quietly("card", cards.receive_card, users["doctor1"], {
            "kind": "onset" if i % 2 else "discharge", "hospital": "示范市第三人民医院",
            "received_on": (today - dt.timedelta(days=days)).isoformat(),
            "patient_name": fake.name_male() if sex == "M" else fake.name_female(), "id_number": number,
            "address": f"青山镇{rng.randint(1, 9)}组", "address_unknown": "on" if i == 3 else "",
        })
        if card is not None:
            counts["cards"] += 1
            if i == 2:
                quietly("accept card", cards.accept_card, users["doctor1"], card,
                         {"accepted_on": (today - dt.timedelta(days=days - 3)).isoformat()})

    for sender, dest, prefix in (("doctor1", "990102002000", "990102001"), ("doctor2", "990102001000", "990102002")):
        patient = (Patient.objects.filter(region_id__gte=prefix + "001", region_id__lte=prefix + "999",
                                          status="at_home", transfer_pending=False).order_by("?").first())
        if patient and quietly("transfer", movement.send_transfer, users[sender], patient, {
            "destination_code": dest, "reason": "随家人迁居", "sent_on": (today - dt.timedelta(days=4)).isoformat(),
        }):
            counts["transfers"] += 1

    counts["plans"] = _plans(rng, users, today)
    from .support import make_care_and_support

    counts.update(make_care_and_support(seed, users, today))
    from .workforce import make_workforce

    counts.update(make_workforce(seed, users, today))
    from .accountability import make_accountability

    counts.update(make_accountability(users, today))
    from .rehab import make_rehab

    counts.update(make_rehab(seed, users, today))
    sex = rng.choice("MF")
    number, _ = _synthetic_id(rng, fake, sex)
    if quietly("release", movement.record_release, users["police1"], {
        "kind": "custody", "released_on": (today - dt.timedelta(days=6)).isoformat(), "notifying_unit": "示范县看守所",
        "notified_on": (today - dt.timedelta(days=5)).isoformat(),
        "person_name": fake.name_male() if sex == "M" else fake.name_female(), "id_number": number,
        "address": "青山镇东坡村",
    }):
        counts["releases"] += 1
    return counts


def _plans(rng: random.Random, users: dict, today: dt.date) -> int:
    """一人一策 plans for most unstable or high-risk key persons (case management, 薛城区2016)."""
    from jingfang.followups import engine
    from jingfang.followups.models import IndividualPlan, PlanMeasure

    made = 0
    for patient in Patient.objects.filter(key_person=True, status="at_home").order_by("pk"):
        if not (patient.condition == "unstable" or (patient.risk_level or 0) >= 3) or rng.random() > 0.8:
            continue
        doctor = users.get(username("doctor", township_number(patient.region_id)))
        plan = IndividualPlan.objects.create(
            patient=patient, owner_name="村医及包保干部", review_date=today + dt.timedelta(days=rng.randint(-5, 40)),
            created_by=doctor,
        )
        PlanMeasure.objects.bulk_create([
            PlanMeasure(plan=plan, category="visit", text="村医每两周面访一次，评估危险性"),
            PlanMeasure(plan=plan, category="guardianship", text="落实监护责任，监护人每日看护并每周报告情况"),
            PlanMeasure(plan=plan, category="control", text="社区民警、网格员定期走访，发现异常及时报告"),
        ])
        engine.refresh(patient)
        made += 1
    return made
