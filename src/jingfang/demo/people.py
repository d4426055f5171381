"""Synthetic demo patients as plain specs (no database access).

``iter_patient_specs`` yields one ``PatientSpec`` per patient; ``generate.write_patients`` stores them.
Each spec carries its own seed string, so later generators (e.g. follow-up records) can derive
further reproducible randomness per patient with ``spec.rng("followups")``.

Everything is fictional: names, addresses and phones come from Faker zh_CN, ID numbers are built
with the demo county's area code 990102 (no real area code starts with 99).
"""

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from faker import Faker

from jingfang.core import idnumber

from . import clinical
from . import regions as demo_regions
from .history import StatusSpec, final_status, pick_death, status_history
from .rand import add_years, age_on, chance, date_between, pick

REGISTRATION_START = dt.date(2012, 1, 1)
REGISTRATION_END = dt.date(2026, 10, 31)
MIN_AGE, MAX_AGE = 16, 85


@dataclass
class GuardianSpec:
    name: str
    relation: str
    phone: str
    address: str
    is_primary: bool


@dataclass
class PatientSpec:
    index: int
    seed: str
    fields: dict  # Patient model fields; regions given as region_id / household_region_id codes
    guardians: list[GuardianSpec] = field(default_factory=list)
    history: list[StatusSpec] = field(default_factory=list)  # oldest first

    @property
    def id_number(self) -> str:
        return self.fields["id_number"]

    def rng(self, purpose: str) -> random.Random:
        """A reproducible random stream for this patient and a named purpose."""
        return random.Random(f"{self.seed}:{purpose}")


def _address(rng: random.Random, fake: Faker, village: demo_regions.DemoRegion, full: bool = False) -> str:
    """The address below village level (the village is a separate field), or in full for free text."""
    prefix = f"{demo_regions.COUNTY[1]}{village.township}{village.name}" if full else ""
    if village.is_community:
        room = f"{rng.randint(1, 6)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"
        return f"{prefix}{fake.street_name()}{rng.randint(1, 200)}号{room}"
    return f"{prefix}{rng.randint(1, 12)}组{rng.randint(1, 120)}号"


def _marital(rng: random.Random, age: int) -> str:
    if age < 25:
        return pick(rng, {"single": 92, "married": 8})
    if age < 40:
        return pick(rng, {"single": 55, "married": 35, "divorced": 10})
    if age < 60:
        return pick(rng, {"single": 25, "married": 55, "divorced": 15, "widowed": 5})
    return pick(rng, {"single": 10, "married": 55, "divorced": 8, "widowed": 27})


def _education(rng: random.Random, age: int) -> str:
    if age >= 60:
        return pick(
            rng, {"illiterate": 25, "primary": 40, "junior": 25, "senior": 8, "college": 2, "unknown": 2}
        )
    if age >= 35:
        return pick(
            rng, {"illiterate": 5, "primary": 25, "junior": 45, "senior": 18, "college": 7, "unknown": 2}
        )
    return pick(rng, {"primary": 8, "junior": 40, "senior": 32, "college": 20, "unknown": 2})


def _employment(rng: random.Random, age: int, rural: bool) -> str:
    if age < 23 and chance(rng, 0.35):
        return "student"
    if age >= 60:
        return pick(rng, {"farmer": 60, "unemployed": 40} if rural else {"retired": 60, "unemployed": 40})
    if rural:
        return pick(rng, {"farmer": 50, "unemployed": 30, "worker": 10, "other": 8, "unknown": 2})
    return pick(
        rng, {"unemployed": 45, "worker": 25, "professional": 5, "manager": 3, "other": 17, "unknown": 5}
    )


def _relations(rng: random.Random, age: int, marital: str) -> list[str]:
    """Guardian relations, primary first."""
    if chance(rng, 0.03):
        return ["committee"]
    married, single = marital == "married", marital == "single"
    options = {
        "parent": 85 if age < 30 else (40 if age < 50 else 5),
        "spouse": (80 if age < 60 else 60) if married else 0,
        "child": 0 if single or age < 35 else (40 if age >= 60 else 15),
        "sibling": 15 if age < 30 else 25,
        "relative": 2 if age < 30 else 8,
    }
    primary = pick(rng, options)
    if not chance(rng, 0.5):
        return [primary]
    if primary not in ("child", "sibling"):
        options[primary] = 0
    options["spouse"] = 0 if primary == "spouse" else options["spouse"] // 4
    return [primary, pick(rng, options)]


def _guardian(rng, fake, relation, patient, village, home, contact, primary) -> GuardianSpec:
    if relation == "committee":
        kind = "居" if village.is_community else "村"
        return GuardianSpec(f"{village.name}{kind}民委员会", relation, contact[1], home, primary)
    surname, sex = patient["name"][0], patient["sex"]
    if relation == "spouse":
        male, same = sex == "F", False
    elif relation == "parent":
        same = chance(rng, 0.7)  # father shares the surname; mother usually does not
        male = same
    elif relation == "sibling":
        male, same = chance(rng, 0.5), chance(rng, 0.9)
    elif relation == "child":
        male, same = chance(rng, 0.5), sex == "M" or chance(rng, 0.2)
    else:
        male, same = chance(rng, 0.5), chance(rng, 0.4)
    given = fake.first_name_male() if male else fake.first_name_female()
    name = (surname if same else fake.last_name()) + given
    together = relation in ("spouse", "parent") and chance(rng, 0.85) or chance(rng, 0.3)
    here = f"{demo_regions.COUNTY[1]}{village.township}{village.name}"
    address = here + home if together else _address(rng, fake, village, full=True)
    return GuardianSpec(name, relation, fake.phone_number(), address, primary)


def _unique_id(rng: random.Random, birth: dt.date, sex: str, used: set[str]) -> str:
    sequence = rng.randint(0, 997)
    number = idnumber.make(demo_regions.AREA_CODE, birth, sequence, sex)
    while number in used:
        sequence += 2
        number = idnumber.make(demo_regions.AREA_CODE, birth, sequence, sex)
    used.add(number)
    return number


def _patient(index, seed, rng, fake, village, villages, contacts, used, as_of) -> PatientSpec:
    sex = "M" if chance(rng, 0.52) else "F"
    # Ages MIN_AGE..MAX_AGE-1 on ``as_of``, so still within MIN_AGE..MAX_AGE for a year after it.
    age = min(MAX_AGE - 1, max(MIN_AGE, int(rng.triangular(MIN_AGE, MAX_AGE, 42))))
    birth = date_between(rng, add_years(as_of, -age - 1) + dt.timedelta(days=1), add_years(as_of, -age))
    given = fake.first_name_male() if sex == "M" else fake.first_name_female()
    registered_on = date_between(
        rng,
        max(REGISTRATION_START, add_years(birth, 14) + dt.timedelta(days=60)),
        min(REGISTRATION_END, as_of),
    )
    floating = chance(rng, 0.10)
    household = rng.choice([v for v in villages if v.code != village.code]) if floating else village
    address = _address(rng, fake, village)
    age_now = age_on(birth, as_of)
    marital = _marital(rng, age_now)
    fields = {
        "name": fake.last_name() + given,
        "sex": sex,
        "id_number": _unique_id(rng, birth, sex, used),
        "birth_date": birth,
        "phone": fake.phone_number() if chance(rng, 0.85) else "",
        "region_id": village.code,
        "address": address,
        "household_region_id": household.code,
        "household_address": _address(rng, fake, household) if floating else address,
        "household_type": "urban" if household.is_community else "rural",
        "village_contact_name": contacts[village.code][0],
        "village_contact_phone": contacts[village.code][1],
        "employment": _employment(rng, age_now, not village.is_community),
        "education": _education(rng, age_now),
        "marital_status": marital,
        "economic_status": pick(rng, {"poor": 30, "not_poor": 65, "unknown": 5}),
        "informed_consent": pick(rng, {"agreed": 88, "refused": 8, "unknown": 4}),
        "registered_on": registered_on,
        "version": 1,
    }
    fields["consent_date"] = registered_on if fields["informed_consent"] != "unknown" else None
    fields.update(clinical.history(rng, birth, registered_on))

    relations = _relations(rng, age_now, marital)
    guardians = [
        _guardian(rng, fake, rel, fields, village, address, contacts[village.code], i == 0)
        for i, rel in enumerate(relations)
    ]
    fields.update(clinical.risk_and_flags(rng, floating=floating, weak_guardian=relations[0] == "committee"))

    final = final_status(rng)
    death = pick_death(rng, registered_on, as_of) if final == "deceased" else None
    if final == "deceased" and death is None:
        final = "at_home"
    history = status_history(
        rng,
        final,
        registered_on=registered_on,
        as_of=as_of,
        death_date=death[0] if death else None,
        death_cause=death[1] if death else "",
        age=age_now,
        high_risk=fields["risk_level"] >= 3 or bool(fields["past_dangerous_acts"]),
    )
    fields.update(
        status=history[-1].status,
        status_detail=history[-1].detail,
        status_since=history[-1].since,
        death_date=death[0] if death else None,
        death_cause=death[1] if death else "",
    )
    return PatientSpec(index, seed, fields, guardians, history)


def village_contacts(seed: int) -> dict[str, tuple[str, str]]:
    """Each demo village's committee contact person and phone."""
    fake = Faker("zh_CN")
    fake.seed_instance(f"{seed}:contacts")
    return {v.code: (fake.name(), fake.phone_number()) for v in demo_regions.villages()}


def iter_patient_specs(count: int, seed: int, as_of: dt.date) -> Iterator[PatientSpec]:
    """``count`` patients spread over the demo villages roughly by population; reproducible per seed.

    Dates fall on or before ``as_of``; registrations between 2012 and October 2026.
    """
    master = random.Random(f"{seed}:villages")
    villages = demo_regions.villages()
    weights = [v.population * master.uniform(0.75, 1.25) for v in villages]
    contacts = village_contacts(seed)
    fake = Faker("zh_CN")
    used: set[str] = set()
    for index in range(count):
        village = master.choices(villages, weights=weights)[0]
        spec_seed = f"{seed}:{index}"
        rng = random.Random(spec_seed)
        fake.seed_instance(rng.getrandbits(64))
        yield _patient(index, spec_seed, rng, fake, village, villages, contacts, used, as_of)
