"""Care and support in the demo county, so that every capability has something to show:

* guardianship agreements (most signed; a reward agreement where the township's profile pays a guardian
  reward and the patient qualifies, a management agreement otherwise) and care teams with the members
  the patient's profile requires (a few left incomplete, so that the flag has something to flag);
* benefits per patient (insurance, chronic-disease card, 低保, disability card and subsidies, free
  medication), with gaps left for the "eligible but not covered" list;
* held meetings in every township (the township group's, the first village's care team's and the
  quarter's joint consultation), with tasks on their owners' worklists, some done;
* guardian-reward runs in the townships whose profile pays one (one period marked paid);
* hospitalisation relief applications at every stage in the township whose profile sets a relief fund,
  the approved and paid amounts derived from the approved option (``relief.relief_cap``);
* outpatient and inpatient cost episodes of poor (and a few other) patients, most admitted relief
  applications recorded as their episode (薛城区2016 一（二）3);
* a sensitive period around today set by the county, and the last days' daily roll calls of the key
  persons in the townships whose profile asks for them (中梁乡2022, 三、2), one found 不在控 and one
  unreachable again and again, so that 点名异常 reaches the police and township office worklists.

Mass rows (agreements, teams, benefits) are bulk-inserted for speed; the workflows (meetings, reward
runs, relief steps) go through the same services the pages use. Every name and phone is synthetic
(Faker zh_CN)."""

import datetime as dt
import random
from decimal import Decimal

from faker import Faker

from jingfang.care.models import CareTeam, GuardianshipAgreement, TeamMember
from jingfang.followups import engine
from jingfang.regions import codes
from jingfang.registry.models import Guardian, Patient

from . import regions as demo_regions
from .accounts import first_village, username
from .quiet import quietly

SIGNED_SHARE = 0.9  # of at-home patients with a guardian: a signed agreement (the rest: none or unsigned)
INCOMPLETE_SHARE = 0.08  # of teams: one required member still missing
HOSPITAL = "示范县精神卫生中心"


def _township_users(users: dict) -> dict[str, dict[str, object]]:
    """township code -> {prefix: user} by the demo's naming scheme."""
    out = {}
    for n, (code, _, _) in enumerate(demo_regions.TOWNSHIPS, start=1):
        out[code] = {p: users.get(username(p, n)) for p in ("office", "doctor", "police", "civil", "dpf",
                                                             "judicial", "vdoc", "cadre")}
    return out


def _reward_rule(township_code: str):
    from jingfang.support import rewards

    return rewards.RewardRule.from_profile(engine.profile_for(township_code))


def _reward_qualifies(patient: Patient, rule) -> bool:
    risk = patient.risk_level or 0
    return bool(rule) and (risk >= rule.min_risk or patient.key_person
                           or bool(patient.past_dangerous_acts))


# ---- guardianship and care teams ----------------------------------------------------------------------

def make_agreements(rng: random.Random, patients: list[Patient], primary: dict[int, Guardian],
                    township_users: dict, today: dt.date) -> int:
    rules = {code: _reward_rule(code) for code, _, _ in demo_regions.TOWNSHIPS}
    rows = []
    for p in patients:
        guardian = primary.get(p.pk)
        if guardian is None or rng.random() > SIGNED_SHARE + 0.05:
            continue
        township = p.region_id[:9] + "000"
        start = max(p.registered_on, today.replace(year=today.year - 1, month=1, day=1)
                    + dt.timedelta(days=rng.randint(0, 40)))
        signed = rng.random() < SIGNED_SHARE / (SIGNED_SHARE + 0.05)
        rows.append(GuardianshipAgreement(
            patient=p, guardian=guardian, guardian_name=guardian.name,
            type="reward" if _reward_qualifies(p, rules[township]) else "management",
            start=start, end=None, signed=signed, signed_on=start if signed else None, state="active",
            created_by=township_users[township]["doctor"],
        ))
    GuardianshipAgreement.objects.bulk_create(rows, batch_size=500)
    return sum(1 for r in rows if r.signed)


def make_teams(rng: random.Random, fake: Faker, patients: list[Patient], township_users: dict) -> int:
    """A care team for every patient at home, with the members the patient's profile requires."""
    leaders, cadres, rehab, grid = {}, {}, {}, {}
    for v in demo_regions.villages():
        leaders[v.code] = (fake.name(), f"{v.name}{'居委会' if v.is_community else '村委会'}书记")
        grid[v.code] = (fake.name(), f"{v.name}网格员")
    for code, name, _ in demo_regions.TOWNSHIPS:
        cadres[code] = (fake.name(), f"{name}包村干部")
        rehab[code] = (fake.name(), f"{name}残联康复协调员")
    teams = CareTeam.objects.bulk_create(
        [CareTeam(patient=p, updated_by=township_users[p.region_id[:9] + "000"]["doctor"]) for p in patients],
        batch_size=500)
    town_names = {code: name for code, name, _ in demo_regions.TOWNSHIPS}
    members = []
    for team, p in zip(teams, patients, strict=True):
        township = p.region_id[:9] + "000"
        staff = township_users[township]
        required = list(engine.profile_for(p.region_id).care_team.required_roles)
        if rng.random() < INCOMPLETE_SHARE:  # one member not yet appointed: the team is flagged
            required.remove(rng.choice([r for r in required if r not in ("leader", "guardian")]))
        for role in required:
            user, (name, unit) = None, ("", "")
            if role == "leader":
                name, unit = leaders[p.region_id]
            elif role == "township_doctor":
                user = staff["doctor"]
                name, unit = user.first_name, f"{town_names[township]}卫生院精防医生"
            elif role == "police":
                user = staff["police"]
                name, unit = user.first_name, f"{town_names[township]}派出所社区民警"
            elif role == "civil_affairs":
                user = staff["civil"]
                name, unit = user.first_name, f"{town_names[township]}民政办"
            elif role == "rehab_coordinator":
                name, unit = rehab[township]
            elif role == "township_cadre":
                name, unit = cadres[township]
            else:  # the guardian: a signed agreement makes them the team's 监护人
                continue
            members.append(TeamMember(team=team, role=role, name=name, unit=unit, user=user,
                                      is_leader=role == "leader", phone=fake.phone_number()))
        name, unit = grid[p.region_id]
        members.append(TeamMember(team=team, role="grid_worker", name=name, unit=unit, phone=fake.phone_number()))
    TeamMember.objects.bulk_create(members, batch_size=1000)
    return len(teams)


# ---- benefits -------------------------------------------------------------------------------------------

def make_benefits(rng: random.Random, patients: list[Patient], township_users: dict, today: dt.date) -> int:
    from jingfang.support.models import Benefit

    rows = []
    for p in patients:
        staff = township_users[p.region_id[:9] + "000"]
        since = max(p.registered_on, dt.date(today.year - 2, 1, 1))

        def add(kind, by, *, p=p, since=since, **kw):
            rows.append(Benefit(patient=p, kind=kind, since=since + dt.timedelta(days=rng.randint(0, 200)),
                                recorded_by=by, updated_by=by, **kw))

        poor = p.economic_status == "poor"
        if rng.random() < 0.95:
            add("medical_insurance", staff["doctor"], scheme="resident" if rng.random() < 0.9 else "employee")
        if poor and rng.random() < 0.8:
            add("premium_aid", staff["civil"])
        if rng.random() < 0.7:
            add("chronic_card", staff["doctor"])
        if poor and rng.random() < 0.7:
            add("dibao", staff["civil"], extreme_poverty=rng.random() < 0.2, amount_yuan=Decimal(rng.choice((420, 480, 560))))
        if p.disability_certificate and p.disability_grade:
            add("disability_card", staff["dpf"], grade=p.disability_grade)
            if poor and rng.random() < 0.75:
                add("living_subsidy", staff["dpf"], amount_yuan=Decimal("90"))
            if p.disability_grade in (1, 2) and rng.random() < 0.8:
                add("nursing_subsidy", staff["dpf"], amount_yuan=Decimal("90"))
        if rng.random() < 0.5:
            add("free_medication", staff["doctor"])
        if (p.risk_level or 0) >= 3 and rng.random() < 0.6:
            add("guardian_subsidy", staff["office"])
    Benefit.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# ---- meetings ----------------------------------------------------------------------------------------------

def make_meetings(rng: random.Random, township_users: dict, today: dt.date) -> dict:
    from jingfang.care import services
    from jingfang.care.models import MeetingTask
    from jingfang.registry import selectors

    held = done = 0
    for code, name, _ in demo_regions.TOWNSHIPS:
        staff = township_users[code]
        office, doctor, vdoc, police = staff["office"], staff["doctor"], staff["vdoc"], staff["police"]
        village = first_village(code)
        key = list(selectors.patients_for(doctor).filter(region_id=village, key_person=True, status="at_home")
                   .order_by("pk").values_list("pk", flat=True)[:3])
        attendees = [{"name": u.first_name, "unit": unit, "user_id": u.pk} for u, unit in (
            (office, f"{name}综治中心"), (doctor, f"{name}卫生院"), (police, f"{name}派出所"), (vdoc, "村卫生室"))]
        month_ago = today - dt.timedelta(days=30 + rng.randint(0, 5))
        for actor, data in (
            (office, {"kind": "township_group_monthly", "region_code": code, "date": month_ago,
                      "minutes": "通报上月随访、失访和重点人员管控情况，研究病情不稳定患者的送诊和救助。",
                      "decisions": "对重点人员逐一落实包保责任；失访患者由村委会和派出所协同查找。",
                      "tasks": [{"text": "核实失访患者现住址并报告查找情况", "owner_id": police.pk,
                                 "due_date": month_ago + dt.timedelta(days=10)}]}),
            (office, {"kind": "township_group_monthly", "region_code": code, "date": today - dt.timedelta(days=3),
                      "minutes": "研究本月重点人员管控和监护人以奖代补发放情况。",
                      "decisions": "村医对病情不稳定患者两周内完成面访；民警协助。",
                      "tasks": [{"text": "两周内完成病情不稳定患者面访", "owner_id": vdoc.pk,
                                 "due_date": today + dt.timedelta(days=11)}]}),
            (office, {"kind": "joint_consultation_quarterly", "region_code": code, "date": today - dt.timedelta(days=20),
                      "minutes": "政法、卫健、公安、民政、残联联合会商，调度本季度重点人员服务管理工作。",
                      "decisions": "对危险性评估3级以上患者落实“一人一策”，每月研判一次；逾期整改事项逐项销号。",
                      "tasks": [{"text": "逾期未销号的整改事项逐项落实并报综治中心", "owner_id": doctor.pk,
                                 "due_date": today + dt.timedelta(days=10)}]}),
            (vdoc, {"kind": "team_monthly", "region_code": village, "date": today - dt.timedelta(days=6),
                    "minutes": "关爱帮扶小组例会：逐户了解患者服药、监护和家庭困难情况。",
                    "decisions": "督促监护人按医嘱看护服药；困难家庭协助申请救助。", "patient_ids": key,
                    "tasks": [{"text": "协助困难家庭准备住院救助申请材料", "owner_id": doctor.pk,
                               "due_date": today + dt.timedelta(days=5)}]}),
        ):
            data = {"place": f"{name}会议室", "attendees": attendees, **data}
            data["date"] = data["date"].isoformat()
            for t in data["tasks"]:
                t["due_date"] = t["due_date"].isoformat()
            meeting = quietly("meeting", services.save_meeting, actor, data)
            if meeting is None:
                continue
            held += 1
            for task in MeetingTask.objects.filter(meeting=meeting, due_date__lt=today):
                if quietly("meeting task", services.complete_task, task.owner, task):
                    done += 1
    return {"meetings": held, "meeting_tasks_done": done}


# ---- guardian rewards ----------------------------------------------------------------------------------------

def make_reward_runs(township_users: dict, today: dt.date) -> int:
    from jingfang.support import services_rewards

    made = 0
    for code, _, _ in demo_regions.TOWNSHIPS:
        rule = _reward_rule(code)
        office = township_users[code]["office"]
        if rule is None or office is None:
            continue
        if rule.per == "month":
            last = today.replace(day=1) - dt.timedelta(days=1)
            periods = [(last.year, last.month, True), (today.year, today.month, False)]
        else:
            periods = [(today.year - 1, None, True), (today.year, None, False)]
        for year, month, paid in periods:
            run = quietly("reward run", services_rewards.compute_run, office,
                           {"township": code, "year": year, "month": month or ""})
            if run is None:
                continue
            made += 1
            if paid:
                quietly("reward paid", services_rewards.mark_paid, office, run)
    return made


# ---- hospitalisation relief ------------------------------------------------------------------------------------

# The stage each application is taken to, in order: every state of the annex's procedure is shown.
RELIEF_STAGES = ("closed", "admitted", "admitted", "township_approved", "village_reviewed", "submitted",
                 "rejected", "draft")


def relief_amounts(option, total: Decimal, food: Decimal, insurance: Decimal) -> dict:
    """The hospital's figures for an admission under ``option``: the fund pays exactly what the option
    allows (relief.relief_cap) and the patient the rest."""
    from jingfang.support import relief

    paid = relief.relief_cap(food_percent=option.food_percent, medical_percent=option.medical_percent,
                             total=total, food=food, insurance=insurance)
    return {"total_cost": relief.money(total), "food_cost": relief.money(food),
            "insurance_paid": relief.money(insurance), "relief_paid": paid,
            "self_paid": relief.money(total - insurance - paid)}


def make_relief(rng: random.Random, township_users: dict, today: dt.date) -> int:
    from jingfang.registry import selectors
    from jingfang.support import services_relief

    made = 0
    for code, _, _ in demo_regions.TOWNSHIPS:
        _, cfg = services_relief.fund_config(code)
        staff = township_users[code]
        if cfg is None or not cfg.options or staff["doctor"] is None:
            continue
        doctor, cadre, office = staff["doctor"], staff["cadre"], staff["office"]
        candidates = list(selectors.patients_for(cadre).filter(status="at_home", guardians__is_primary=True)
                          .order_by("-risk_level", "pk").distinct()[:len(RELIEF_STAGES)])
        for n, (patient, stage) in enumerate(zip(candidates, RELIEF_STAGES, strict=False)):
            guardian = patient.guardians.filter(is_primary=True).first()
            option = cfg.options[n % len(cfg.options)]
            app = quietly("relief", services_relief.create, doctor, patient, {
                "guardian": guardian.pk, "insurance_type": "resident", "court_ordered": "",
                "facts": "患者病情反复，需住院治疗；家庭收入低，无力承担住院期间费用，申请住院救助。"})
            if app is None:
                continue
            made += 1
            total = Decimal(rng.randrange(6000, 16000, 100))
            food = Decimal(rng.randrange(600, 1500, 50))
            insurance = (total - food) * Decimal("0.6")
            figures = relief_amounts(option, total, food, insurance)
            steps = [("submit", doctor, {}),
                     ("village_review", cadre, {"opinion": "该患者家庭确实困难，建议予以救助", "option": option.code})]
            if stage == "rejected":
                steps.append(("reject", office, {"reason": "经核实，家庭经济状况不符合救助条件"}))
            else:
                steps += [("approve", office, {"option": option.code, "amount": str(figures["relief_paid"]),
                                               "opinion": f"同意按“{option.label}”救助"}),
                          ("admit", doctor, {"hospital": HOSPITAL,
                                             "admission_date": (today - dt.timedelta(days=20 + n)).isoformat(),
                                             **{k: str(v) for k, v in figures.items()}}),
                          ("close", doctor, {"note": "救助资料已归档"})]
            order = ("draft", "submitted", "village_reviewed", "township_approved", "admitted", "closed")
            wanted = len(steps) if stage == "rejected" else order.index(stage)
            for action, actor, data in steps[:wanted]:
                if quietly(f"relief {action}", services_relief.step, actor, app, action, data) is None:
                    break
    return made


def make_roll_calls(users: dict, township_users: dict, today: dt.date) -> dict:
    from jingfang.followups import services as followups

    county = users.get("county")
    if county is None:
        return {"sensitive_periods": 0, "roll_calls": 0}
    period = quietly("sensitive period", followups.add_sensitive_period, county, "重大活动安保期间（演示）",
                      today - dt.timedelta(days=3), today + dt.timedelta(days=4))
    calls = 0
    for code, people in township_users.items():
        profile = engine.profile_for(code)
        caller = people.get("doctor")
        if not (profile.roll_call and profile.roll_call.sensitive_period_daily) or caller is None:
            continue
        streak = max(2, profile.followup.lost_after_failed)
        days = [today - dt.timedelta(days=n) for n in range(streak - 1, -1, -1)]
        lo, hi = codes.code_range(code)
        key_persons = list(Patient.objects.filter(key_person=True, status="at_home", region_id__gte=lo,
                                                  region_id__lte=hi).order_by("pk")[:12])
        for n, patient in enumerate(key_persons):
            for day in days:
                result, note = "present", ""
                if n == 0 and day == today:
                    result, note = "absent", "家属称其昨晚离家未归"
                elif n == 1:
                    result, note = "unreachable", "本人及监护人电话均未接通"
                if quietly("roll call", followups.record_roll_call, caller, patient, day, result, note):
                    calls += 1
    return {"sensitive_periods": int(period is not None), "roll_calls": calls}


# ---- treatment cost burden ----------------------------------------------------------------------------------

COST_PER_TOWNSHIP = 10  # patients with cost episodes per township (most of them poor)


def make_costs(rng: random.Random, township_users: dict, today: dt.date) -> int:
    """Outpatient and inpatient cost episodes this year and last (薛城区2016 一（二）3), recorded by the
    township doctor and civil affairs through the service; most admitted relief applications are recorded
    as their episode (linked), one is left for the 待登记 list; a few poor patients get 建档立卡."""
    from jingfang.support import costs
    from jingfang.support.models import Benefit, ReliefApplication

    made = 0
    start = dt.date(today.year - 1, 1, 1)
    for code, _, _ in demo_regions.TOWNSHIPS:
        staff = township_users[code]
        doctor, civil = staff["doctor"], staff["civil"]
        lo, hi = codes.code_range(code)
        at_home = Patient.objects.filter(region_id__gte=lo, region_id__lte=hi, status="at_home").order_by("pk")
        poor = list(at_home.filter(economic_status="poor")[:COST_PER_TOWNSHIP - 3])
        others = list(at_home.exclude(economic_status="poor")[:3])
        for p in poor[:2]:
            if not Benefit.objects.filter(patient=p, kind__in=("dibao", "wubao_tekun")).exists():
                Benefit.objects.create(patient=p, kind="poverty_registered", since=start, recorded_by=civil,
                                       updated_by=civil, note="建档立卡贫困户")
        for p in poor + others:
            for _ in range(rng.randint(1, 2)):
                day = start + dt.timedelta(days=rng.randint(0, (today - start).days - 1))
                if rng.random() < 0.6:
                    total = Decimal(rng.randrange(150, 1200))
                    insurance = (total * Decimal(rng.choice(("0.5", "0.6", "0.7")))).quantize(Decimal("1"))
                    data = {"kind": "outpatient", "hospital": f"{p.region.parent.name}卫生院" if p.region.parent_id else HOSPITAL,
                            "start": day.isoformat(), "total_cost": str(total), "insurance_paid": str(insurance)}
                    if p in poor and rng.random() < 0.5:
                        data["assistance_paid"] = str(((total - insurance) * Decimal("0.6")).quantize(Decimal("1")))
                else:
                    total = Decimal(rng.randrange(6000, 30000))
                    policy = (total * Decimal("0.9")).quantize(Decimal("1"))
                    insurance = (policy * Decimal(rng.choice(("0.65", "0.7", "0.75")))).quantize(Decimal("1"))
                    rest = total - insurance
                    data = {"kind": "inpatient", "hospital": HOSPITAL, "start": day.isoformat(),
                            "end": min(day + dt.timedelta(days=rng.randint(10, 40)), today).isoformat(),
                            "total_cost": str(total), "policy_cost": str(policy), "insurance_paid": str(insurance),
                            "serious_illness_paid": str((rest * Decimal("0.2")).quantize(Decimal("1")))}
                    if p in poor:
                        data["assistance_paid"] = str((rest * Decimal(rng.choice(("0.5", "0.6", "0.7"))))
                                                      .quantize(Decimal("1")))
                        if rng.random() < 0.3:
                            data["dpf_paid"] = str((rest * Decimal("0.05")).quantize(Decimal("1")))
                actor = civil if data.get("assistance_paid") and rng.random() < 0.5 else doctor
                if quietly("cost episode", costs.save_episode, actor, p, data) is not None:
                    made += 1
        admitted = list(ReliefApplication.objects.filter(township_code=code, state__in=("admitted", "closed"),
                                                         total_cost__isnull=False).order_by("pk"))
        for app in admitted[:-1]:  # the last one is left for the 待登记 list
            big = (app.total_cost * Decimal("0.05")).quantize(Decimal("1"))
            if quietly("cost episode (relief)", costs.save_episode, doctor, app.patient, {
                    "relief_id": app.pk, "policy_cost": str((app.total_cost * Decimal("0.9")).quantize(Decimal("1"))),
                    "serious_illness_paid": str(min(big, app.self_paid or big))}) is not None:
                made += 1
    return made


def make_care_and_support(seed: int, users: dict, today: dt.date) -> dict:
    rng, fake = random.Random(f"{seed}:support"), Faker("zh_CN")
    fake.seed_instance(seed + 1)
    township_users = _township_users(users)
    at_home = list(Patient.objects.filter(status="at_home").order_by("pk"))
    primary = {g.patient_id: g for g in Guardian.objects.filter(is_primary=True, patient__status="at_home")}
    counts = {
        "agreements_signed": make_agreements(rng, at_home, primary, township_users, today),
        "care_teams": make_teams(rng, fake, at_home, township_users),
        "benefits": make_benefits(rng, list(Patient.objects.exclude(status="deceased").order_by("pk")),
                                  township_users, today),
    }
    counts.update(make_meetings(rng, township_users, today))
    counts["reward_runs"] = make_reward_runs(township_users, today)
    counts["relief_applications"] = make_relief(rng, township_users, today)
    counts["cost_episodes"] = make_costs(random.Random(f"{seed}:costs"), township_users, today)
    counts.update(make_roll_calls(users, township_users, today))
    return counts
