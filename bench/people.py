"""Synthetic patients of one county for the benchmark, as COPY text per table.

Shapes follow ``jingfang.demo`` (files, guardians, status history, follow-up records classed by the
real classifier) but are cheaper to make: names come from pools drawn from Faker zh_CN once, every
patient has exactly ``FOLLOWUPS`` follow-up records spaced by the national intervals of the class of
each visit, and what is due is computed by the real schedule engine (``followups.schedule``) from
those records, with the flags and colour grade the engine's refresh would store.

Ids are assigned here (patient i of the whole set has id i; its follow-ups, due items… have ids
derived from it), so counties can be generated in parallel and copied in any order.
"""

import bisect
import datetime as dt
import random
from dataclasses import dataclass

from faker import Faker

from jingfang.core import idnumber
from jingfang.followups import schedule as sched
from jingfang.followups.classify import Assessment, classify
from jingfang.followups.models import DueItem, FlagChange, FollowUp, IndividualPlan, SearchAttempt
from jingfang.policies import profiles
from jingfang.registry.flags import key_person_reasons
from jingfang.registry.models import Guardian, Patient, StatusChange

from .rows import Table, cell, identity_columns

FOLLOWUPS = 12
# Id strides: room for this many rows per patient in each table.
DUE_STRIDE, FLAG_STRIDE, PAIR_STRIDE = 8, 4, 2
GAP_DAYS = {"stable": 91, "basically_stable": 28, "unstable": 14}  # national-2018: 3m, 2w/1m, 2w
TARGET_CLASS = {"stable": 72, "basically_stable": 20, "unstable": 8}
STATUS = {"at_home": 930, "hospitalized": 20, "deceased": 20, "moved_out": 15, "missing": 15}
DETAIL = {"hospitalized": "psychiatric_hospital", "deceased": "deceased", "moved_out": "working_away",
          "missing": "missing", "at_home": ""}
DIAGNOSES = {"schizophrenia": 70, "bipolar": 10, "schizoaffective": 5, "paranoid_psychosis": 6, "epilepsy": 4,
             "intellectual_disability": 5}
MEDS = ["利培酮片", "奥氮平片", "阿立哌唑片", "帕利哌酮缓释片", "喹硫平片"]
MODES = {"home_visit": 55, "clinic": 25, "phone": 20}
EMPLOYMENT = {"farmer": 40, "unemployed": 35, "worker": 15, "other": 10}
EDUCATION = {"primary": 30, "junior": 40, "senior": 20, "college": 10}
MARITAL = {"single": 40, "married": 45, "divorced": 10, "widowed": 5}
ECONOMIC = {"poor": 30, "not_poor": 65, "unknown": 5}


_CUMULATIVE: dict[int, tuple[dict, list, list]] = {}


def pick(rng: random.Random, weights: dict):
    """One key of ``weights`` (key -> relative weight). The cumulative weights are cached by the dict's
    id; the cache keeps the dict itself and checks it, so an id reused by a later dict cannot match."""
    hit = _CUMULATIVE.get(id(weights))
    if hit is None or hit[0] is not weights:
        total, cum = 0, []
        for w in weights.values():
            total += w
            cum.append(total)
        hit = _CUMULATIVE[id(weights)] = (weights, list(weights), cum)
    _, keys, cum = hit
    return keys[bisect.bisect(cum, rng.random() * cum[-1])]


@dataclass(frozen=True)
class Village:
    code: str
    name: str
    population: int

    @property
    def community(self) -> bool:
        return self.name.endswith("社区")


@dataclass(frozen=True)
class CountyJob:
    index: int
    code: str
    villages: tuple[Village, ...]
    patients: int
    first_id: int
    profile: str
    doctors: dict  # township code (9 digits) -> user id
    other_villages: tuple[str, ...]  # village codes elsewhere, for floating patients' household places
    today: dt.date
    seed: int


class Pools:
    """Names and contacts drawn once per process."""

    def __init__(self, seed: int):
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        self.surnames = [fake.last_name() for _ in range(400)]
        self.male = [fake.first_name_male() for _ in range(600)]
        self.female = [fake.first_name_female() for _ in range(600)]
        self.streets = [fake.street_name() for _ in range(300)]


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"


# Follow-up visits: a few assessment variants per class, classed by the real classifier -------------
def _variants():
    threshold = profiles.load_profile(profiles.DEFAULT_PROFILE).classification.unstable_min_risk
    out: dict[str, list[dict]] = {"stable": [], "basically_stable": [], "unstable": []}
    specs = [
        (0, (), "full", "good", "regular"), (0, (), "full", "fair", "regular"), (0, (), "full", "good", "regular"),
        (1, ("suspicion",), "partial", "fair", "regular"), (2, ("self_talk",), "partial", "fair", "intermittent"),
        (1, (), "partial", "fair", "regular"), (0, ("withdrawn",), "full", "fair", "intermittent"),
        (3, ("hallucination", "suspicion", "moody"), "partial", "poor", "intermittent"),
        (4, ("excited", "violence", "hallucination"), "none", "poor", "none"),
        (3, ("hallucination",), "none", "fair", "regular"),
    ]
    for i, (risk, symptoms, insight, social, adherence) in enumerate(specs):
        verdict = classify(Assessment(risk_level=risk, symptoms=symptoms, insight=insight, social_function=social),
                           unstable_min_risk=threshold)
        out[verdict.condition].append({
            "risk_level": risk, "symptoms": list(symptoms), "insight": insight, "social_function": social,
            "sleep": "good", "diet": "good", "adherence": adherence,
            "adherence_cause": "" if adherence == "regular" else ("economic", "poor_compliance")[i % 2],
            "adverse_reaction": "none", "physical_illness": "none", "condition": verdict.condition,
            "condition_derived": verdict.condition, "condition_reasons": verdict.reasons,
            "medications": [{"name": MEDS[i % len(MEDS)], "dose": "每日1次"}], "treatment_effect": "improved",
        })
    return out


VARIANTS = _variants()
NOT_SEEN = {"risk_level": None, "symptoms": [], "insight": "", "social_function": "", "sleep": "", "diet": "",
            "adherence": "", "adherence_cause": "", "adverse_reaction": "", "physical_illness": "", "condition": "",
            "condition_derived": "", "condition_reasons": [], "medications": [], "treatment_effect": ""}
FU_SLOTS = ("id", "patient_id", "date", "mode", "next_due_date", "health_check_done", "assessment_done",
            "recorded_by_id", "recorded_at")


class Templates:
    def __init__(self, profile_name: str):
        self.followup = Table(FollowUp)
        profile = profiles.load_profile(profile_name)
        rules = {r.when.conditions[0]: r for r in profile.followup.ordered_rules() if len(r.when.conditions) == 1}
        base = {f.attname: f.get_default() for f in FollowUp._meta.concrete_fields}
        base.update(seen=True, not_seen_reason="", patient_interviewed=True, attendee_count=1)
        self.seen = {}
        for cls, variants in VARIANTS.items():
            rule = rules.get(cls)
            text = f"{rule.label}" if rule else ""
            self.seen[cls] = [self.followup.template({**base, **v, "next_rule": text[:200]}, FU_SLOTS)
                              for v in variants]
        self.not_seen = self.followup.template(
            {**base, **NOT_SEEN, "seen": False, "not_seen_reason": "unreachable", "patient_interviewed": False,
             "next_rule": ""}, FU_SLOTS)
        self.profile = profile


# One patient ---------------------------------------------------------------------------------------
@dataclass
class Visit:
    date: dt.date
    cls: str | None  # None: not seen
    variant: int
    mode: str
    health_check: bool = False
    assessment: bool = False

    def contact(self) -> sched.Contact:
        v = VARIANTS[self.cls][self.variant] if self.cls else None
        return sched.Contact(date=self.date, mode=self.mode, seen=self.cls is not None,
                             condition=self.cls, risk_level=v["risk_level"] if v else None,
                             assessment=self.assessment, health_check=self.health_check)


def visits(rng: random.Random, target: str, today: dt.date, lost: bool) -> list[Visit]:
    classes = [target if i >= FOLLOWUPS - 3 or rng.random() < 0.85 else pick(rng, TARGET_CLASS)
               for i in range(FOLLOWUPS)]
    seen_count = FOLLOWUPS - 3 if lost else FOLLOWUPS
    gaps = [GAP_DAYS[c] - rng.randint(0, 4) for c in classes]
    last_interval = GAP_DAYS[classes[seen_count - 1]]
    if lost:
        last_seen = today - dt.timedelta(days=rng.randint(35, 120))
    elif rng.random() < 0.12:  # the latest due visit was missed: overdue work
        last_seen = today - dt.timedelta(days=last_interval + rng.randint(1, 45))
    else:
        last_seen = today - dt.timedelta(days=rng.randint(0, last_interval - 1))
    dates = [last_seen]
    for i in range(seen_count - 2, -1, -1):
        dates.append(dates[-1] - dt.timedelta(days=gaps[i]))
    dates.reverse()
    out = []
    for i, d in enumerate(dates):
        cls = classes[i]
        out.append(Visit(d, cls, rng.randrange(len(VARIANTS[cls])),
                         pick(rng, MODES), assessment=rng.random() < 0.15))
    for k in range(1, FOLLOWUPS - seen_count + 1):
        out.append(Visit(last_seen + dt.timedelta(days=10 * k), None, 0, "home_visit"))
    if rng.random() < 0.92:  # a yearly health check at the first seen visit of each year
        last_check = None
        for v in out:
            if v.cls and (last_check is None or (v.date - last_check).days >= 330):
                v.health_check, last_check = True, v.date
    return out


class CountyWriter:
    def __init__(self, job: CountyJob, pools: Pools):
        self.job, self.pools = job, pools
        self.tpl = Templates(job.profile)
        self.profile = self.tpl.profile
        self.tables = {m: Table(m) for m in (Patient, Guardian, StatusChange, DueItem, FlagChange, IndividualPlan,
                                              SearchAttempt)}
        self.out: dict[str, list[str]] = {t.name: [] for t in self.tables.values()}
        self.out[self.tpl.followup.name] = []
        self.used_ids: set[str] = set()
        self.now = dt.datetime.combine(job.today, dt.time(1, 0), tzinfo=dt.UTC)
        rng = random.Random(f"{job.seed}:{job.code}:contacts")
        self.contacts = {v.code: (self.name(rng, "M" if rng.random() < 0.5 else "F"), phone(rng))
                         for v in job.villages}

    def emit(self, model, row: dict) -> None:
        table = self.tables[model]
        self.out[table.name].append(table.line(row))

    def name(self, rng, sex: str) -> str:
        given = self.pools.male if sex == "M" else self.pools.female
        return rng.choice(self.pools.surnames) + rng.choice(given)

    def id_number(self, rng, birth: dt.date, sex: str) -> str:
        seq = rng.randint(0, 997)
        number = idnumber.make(self.job.code, birth, seq, sex)
        while number in self.used_ids:
            seq += 2
            number = idnumber.make(self.job.code, birth, seq, sex)
        self.used_ids.add(number)
        return number

    def run(self) -> dict[str, str]:
        job = self.job
        cum, total = [], 0
        for v in job.villages:
            total += v.population
            cum.append(total)
        rng = random.Random(f"{job.seed}:{job.code}")  # one stream per county: reproducible per seed
        for i in range(job.patients):
            village = job.villages[bisect.bisect(cum, rng.random() * total)]
            self.patient(job.first_id + i, village, rng)
        return {name: "".join(lines) for name, lines in self.out.items()}

    def patient(self, pid: int, village: Village, rng: random.Random) -> None:
        job, today = self.job, self.job.today
        doctor = job.doctors[village.code[:9]]
        sex = "M" if rng.random() < 0.52 else "F"
        birth = today - dt.timedelta(days=rng.randint(18 * 365, 84 * 365))
        status = pick(rng, STATUS)
        target = pick(rng, TARGET_CLASS)
        lost = status == "at_home" and rng.random() < 0.02
        vs = visits(rng, target, today, lost)
        registered_on = vs[0].date - dt.timedelta(days=rng.randint(3, 400))
        status_since = None
        if status != "at_home":
            status_since = min(today, vs[-1].date + dt.timedelta(days=rng.randint(1, 60)))
        floating = rng.random() < 0.08
        household = rng.choice(job.other_villages) if floating and job.other_villages else village.code
        address = (f"{rng.choice(self.pools.streets)}{rng.randint(1, 200)}号{rng.randint(1, 6)}单元"
                   if village.community else f"{rng.randint(1, 12)}组{rng.randint(1, 120)}号")
        seen = [v for v in vs if v.cls]
        last_seen = seen[-1]
        variant = VARIANTS[last_seen.cls][last_seen.variant]
        police = rng.random() < (0.4 if variant["risk_level"] >= 3 else 0.03)
        manual = rng.random() < 0.02
        acts = {"trouble": 1} if rng.random() < 0.03 else {}
        weak = rng.random() < 0.03
        has_guardian = rng.random() < 0.99
        classes = [v.cls for v in seen]
        relapse = len(classes) >= 2 and classes[-1] == "unstable" and classes[-2] == "stable"
        reasons = key_person_reasons(
            risk_level=variant["risk_level"], condition=last_seen.cls, police_listed=police, manual=manual,
            manual_reason="近期病情反复" if manual else "", past_dangerous_acts=acts, status=status,
            has_guardian=has_guardian, floating=household[:6] != village.code[:6],
            key_risk_threshold=self.profile.key_person.risk_threshold, lost=lost, refuses=False,
            weak_guardianship=weak, relapse=relapse)
        active = status not in ("deceased", "moved_out")
        key = bool(reasons) and active
        g = sched.grade(self.profile, condition=last_seen.cls, risk_level=variant["risk_level"], key_person=key)
        contacts = [v.contact() for v in vs]
        state = sched.PatientState(status=status, registered_on=registered_on, key_person=key)
        items = sched.schedule(self.profile, state, contacts, today)
        plan_review = None
        if key and rng.random() < 0.4:
            plan_review = today + dt.timedelta(days=rng.randint(-10, 60))
        extra = []
        if plan_review:
            extra.append(sched.Due("deadline", plan_review, plan_review, "upcoming", "一人一策定期研判：一人一策管控方案",
                                   f"{self.profile.name}:plan_review"))
        cadence = self.profile.cadence("lost_review") if lost else None
        searched = vs[-1].date + dt.timedelta(days=5) if lost else None  # one search attempt, not found
        if cadence:
            due = cadence.every.after(searched)
            extra.append(sched.Due("deadline", due, due, "upcoming", f"失访查找：{cadence.label}（{cadence.cite}）",
                                   f"{self.profile.name}:lost_review"))
        followup = next((d for d in items if d.kind == "followup"), None)
        diagnosis_date = registered_on - dt.timedelta(days=rng.randint(0, 2000))
        row = {
            "id": pid, "name": self.name(rng, sex), "sex": sex, "id_number": self.id_number(rng, birth, sex),
            "birth_date": birth, "phone": phone(rng) if rng.random() < 0.85 else "", "region_id": village.code,
            "address": address, "household_region_id": household, "household_address": "" if floating else address,
            "household_type": "urban" if village.community else "rural",
            "village_contact_name": self.contacts[village.code][0],
            "village_contact_phone": self.contacts[village.code][1],
            "employment": pick(rng, EMPLOYMENT),
            "education": pick(rng, EDUCATION),
            "marital_status": pick(rng, MARITAL),
            "economic_status": pick(rng, ECONOMIC),
            "informed_consent": "agreed", "consent_date": registered_on,
            "diagnosis": pick(rng, DIAGNOSES), "diagnosis_hospital": "基准县精神卫生中心",
            "diagnosis_date": diagnosis_date, "first_onset_date": diagnosis_date - dt.timedelta(days=rng.randint(30, 700)),
            "past_symptoms": ["hallucination", "suspicion"][: rng.randint(1, 2)], "outpatient_history": "intermittent",
            "first_antipsychotic_date": diagnosis_date, "hospitalizations": rng.randint(0, 3), "past_locking": "none",
            "latest_treatment_effect": "improved", "psychiatrist_opinion": "", "clinical_notes": "",
            "past_dangerous_acts": acts, "police_listed": police, "disability_certificate": rng.random() < 0.4,
            "disability_grade": None, "key_person_manual": manual, "key_person_reason": "近期病情反复" if manual else "",
            "guardianship_weak": weak, "status": status, "status_detail": DETAIL[status],
            "status_since": status_since or registered_on,
            "death_date": status_since if status == "deceased" else None,
            "death_cause": "physical_illness" if status == "deceased" else "",
            "risk_level": variant["risk_level"], "condition": last_seen.cls, "key_person": key,
            "next_due_date": followup.due_date if followup else None, "last_followup_date": vs[-1].date,
            "last_seen_date": last_seen.date, "lost": lost and active, "grade": g.colour if g else "",
            "key_reasons": reasons if key else [], "transfer_pending": False, "registered_on": registered_on,
            "created_by_id": doctor, "created_at": self.now, "updated_at": self.now, "version": 1,
        }
        self.emit(Patient, identity_columns(Patient, row))
        self._guardians(pid, rng, row, has_guardian)
        self._statuses(pid, row, registered_on, status, status_since, doctor)
        self._followups(pid, vs, doctor, items)
        for k, d in enumerate([*items, *extra]):
            if d.kind == "roll_call":
                continue
            self.emit(DueItem, {
                "id": (pid - 1) * DUE_STRIDE + k + 1, "patient_id": pid, "region_code": village.code, "kind": d.kind,
                "due_date": d.due_date, "window_start": d.window_start, "rule": d.rule[:300], "rule_id": d.rule_id[:100],
                "mode": d.mode or "", "escalations": list(d.escalations), "notes": list(d.notes),
                "provisional": d.provisional, "key_person": key})
        self._flags(pid, rng, key, reasons, lost and active, vs, today)
        if plan_review:
            self.emit(IndividualPlan, {
                "id": pid, "patient_id": pid, "title": "一人一策管控方案", "owner_id": doctor, "owner_name": "",
                "review_date": plan_review, "active": True, "created_by_id": doctor,
                "created_at": self.now - dt.timedelta(days=rng.randint(20, 300)), "updated_at": self.now})
        if lost:
            self.emit(SearchAttempt, {
                "id": pid, "patient_id": pid, "date": searched, "method": "home",
                "result": "not_found", "note": "", "recorded_by_id": doctor, "recorded_at": self.now})

    def _guardians(self, pid, rng, row, has_guardian) -> None:
        if not has_guardian:
            return
        surname = row["name"][0]
        for k in range(2 if rng.random() < 0.4 else 1):
            given = rng.choice(self.pools.male if rng.random() < 0.5 else self.pools.female)
            self.emit(Guardian, identity_columns(Guardian, {
                "id": (pid - 1) * PAIR_STRIDE + k + 1, "patient_id": pid, "name": surname + given,
                "relation": ("parent", "spouse", "sibling", "child")[rng.randint(0, 3)], "phone": phone(rng),
                "address": row["address"], "is_primary": k == 0}))

    def _statuses(self, pid, row, registered_on, status, since, doctor) -> None:
        self.emit(StatusChange, {
            "id": (pid - 1) * PAIR_STRIDE + 1, "patient_id": pid, "status": "at_home", "detail": "",
            "since": registered_on, "note": "建档", "recorded_by_id": doctor, "recorded_at": self.now})
        if status != "at_home":
            self.emit(StatusChange, {
                "id": (pid - 1) * PAIR_STRIDE + 2, "patient_id": pid, "status": status, "detail": DETAIL[status],
                "since": since, "note": "", "recorded_by_id": doctor, "recorded_at": self.now})

    def _followups(self, pid, vs: list[Visit], doctor, items) -> None:
        lines = self.out[self.tpl.followup.name]
        doc = cell(doctor)
        for j, v in enumerate(vs):
            nxt = vs[j + 1].date if j + 1 < len(vs) else (items[0].due_date if items else None)
            tpl = self.tpl.seen[v.cls][v.variant] if v.cls else self.tpl.not_seen
            lines.append(tpl.format(
                id=(pid - 1) * FOLLOWUPS + j + 1, patient_id=pid, date=v.date, mode=v.mode,
                next_due_date=cell(nxt), health_check_done="t" if v.health_check else "f",
                assessment_done="t" if v.assessment else "f", recorded_by_id=doc,
                recorded_at=f"{v.date} 10:00:00+08"))

    def _flags(self, pid, rng, key, reasons, lost, vs, today) -> None:
        rows = []
        if key:
            rows.append(("key_person", True, vs[0].date, reasons))
        elif rng.random() < 0.03:  # was a key person for a while in the past year
            start = today - dt.timedelta(days=rng.randint(60, 360))
            rows += [("key_person", True, start, ["病情不稳定"]),
                     ("key_person", False, start + dt.timedelta(days=rng.randint(20, 50)), [])]
        if lost:
            rows.append(("lost", True, vs[-1].date, []))
        for k, (flag, value, date, why) in enumerate(rows):
            self.emit(FlagChange, {"id": (pid - 1) * FLAG_STRIDE + k + 1, "patient_id": pid, "flag": flag,
                                   "value": value, "date": date, "reasons": why, "recorded_at": self.now})


_POOLS: dict[int, Pools] = {}


def county_payload(job: CountyJob) -> tuple[int, dict[str, str]]:
    """COPY text per table for one county (runs in a worker process)."""
    pools = _POOLS.get(job.seed) or _POOLS.setdefault(job.seed, Pools(job.seed))
    return job.index, CountyWriter(job, pools).run()
