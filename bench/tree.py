"""The benchmark's synthetic province: cities, counties, townships and villages, and the users who
work in them. Province code 97 is fictional (no real area code starts with 97).

Shape (defaults): 10 cities x 10 counties x 10 townships x 20 villages = 20,000 villages. Village
populations are drawn so that ~1,000,000 patients give a reported prevalence of about 5 per mille.
"""

import random
from dataclasses import dataclass

from faker import Faker

PROVINCE_CODE = "970000000000"
PROVINCE_NAME = "基准省"
PASSWORD = "Bench@2026x"  # synthetic users only; the bench database holds no real person
# A few counties follow another shipped profile, so that the policy lookup is exercised.
OTHER_PROFILES = ("xuecheng-2016", "zhongliang-2022")


@dataclass(frozen=True)
class Shape:
    cities: int = 10
    counties_per_city: int = 10
    townships_per_county: int = 10
    villages_per_township: int = 20

    @property
    def counties(self) -> int:
        return self.cities * self.counties_per_city

    @property
    def villages(self) -> int:
        return self.counties * self.townships_per_county * self.villages_per_township


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    level: int
    parent: str | None
    population: int = 0
    policy: str = ""


def _names(fake: Faker, count: int, suffixes: tuple[str, ...], rng: random.Random) -> list[str]:
    out, seen = [], set()
    while len(out) < count:
        name = fake.last_name() + fake.first_name()[-1] + rng.choice(suffixes)
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def build(shape: Shape, seed: int = 97) -> list[Node]:
    """Every region, parents before children."""
    rng = random.Random(f"{seed}:tree")
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    nodes = [Node(PROVINCE_CODE, PROVINCE_NAME, 1, None)]
    city_names = _names(fake, shape.cities, ("市",), rng)
    county_names = _names(fake, shape.counties, ("县", "县", "区"), rng)
    county_index = 0
    for c in range(1, shape.cities + 1):
        city = f"97{c:02d}00000000"
        nodes.append(Node(city, city_names[c - 1], 2, PROVINCE_CODE))
        for k in range(1, shape.counties_per_city + 1):
            county = f"97{c:02d}{k:02d}000000"
            policy = OTHER_PROFILES[county_index % 2] if county_index % 10 == 9 else ""
            nodes.append(Node(county, county_names[county_index], 3, city, policy=policy))
            county_index += 1
            township_names = _names(fake, shape.townships_per_county, ("镇", "乡", "街道"), rng)
            for t in range(1, shape.townships_per_county + 1):
                township = f"{county[:6]}{t:03d}000"
                nodes.append(Node(township, township_names[t - 1], 4, county))
                village_names = _names(fake, shape.villages_per_township, ("村", "村", "社区"), rng)
                for v in range(1, shape.villages_per_township + 1):
                    nodes.append(Node(f"{township[:9]}{v:03d}", village_names[v - 1], 5, township,
                                      population=rng.randint(8000, 12000)))
    return _with_sums(nodes)


def _with_sums(nodes: list[Node]) -> list[Node]:
    totals: dict[str, int] = {}
    for node in reversed(nodes):  # children after parents: walk back and add upwards
        own = node.population if node.level == 5 else totals.get(node.code, 0)
        if node.parent:
            totals[node.parent] = totals.get(node.parent, 0) + own
        totals.setdefault(node.code, own)
    return [Node(n.code, n.name, n.level, n.parent, totals[n.code], n.policy) for n in nodes]


def villages(nodes: list[Node]) -> list[Node]:
    return [n for n in nodes if n.level == 5]


def counties(nodes: list[Node]) -> list[Node]:
    return [n for n in nodes if n.level == 3]


def townships(nodes: list[Node]) -> list[Node]:
    return [n for n in nodes if n.level == 4]


# Users ---------------------------------------------------------------------------------------------
def township_doctor(code: str) -> str:
    return f"td{code[:9]}"


def township_office(code: str) -> str:
    return f"to{code[:9]}"


def village_doctor(code: str) -> str:
    return f"vd{code}"


def county_supervisor(code: str, n: int = 0) -> str:
    return f"cs{code[:6]}" + (f"_{n}" if n else "")


PROVINCE_SUPERVISOR = "ps97"
TOTP_ROLES = ("county_supervisor", "township_office")


def users(nodes: list[Node], county_extra: int = 3) -> list[tuple[str, str, str]]:
    """(username, role, region code): a doctor and a governance office per township, a doctor in the
    first village of each township, county supervisors (several per county, for load tests that sign
    each in once) and one at province level. Doctors need no second factor; supervisors and offices
    are enrolled with a TOTP device by the loader (TOTP_ROLES)."""
    out = [(PROVINCE_SUPERVISOR, "county_supervisor", PROVINCE_CODE)]
    for n in nodes:
        if n.level == 3:
            out += [(county_supervisor(n.code, i), "county_supervisor", n.code) for i in range(county_extra + 1)]
        elif n.level == 4:
            out.append((township_doctor(n.code), "township_doctor", n.code))
            out.append((township_office(n.code), "township_office", n.code))
        elif n.level == 5 and n.code.endswith("001"):
            out.append((village_doctor(n.code), "village_doctor", n.code))
    return out
