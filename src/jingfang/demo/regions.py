"""The demo region tree: a fictional county under the fictional province code 99 (no real area uses 99).

Village populations are fixed (not seeded) so that ‰ rates are stable; townships, the county, the
city and the province carry the sums of their children. ``sample_regions.csv`` next to this module is
``as_csv()`` written out, in the format ``jingfang load_regions`` reads.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

PROVINCE = ("990000000000", "示范省")
CITY = ("990100000000", "示范市")
COUNTY = ("990102000000", "示范县")
# The first six digits of every demo ID number: the demo county's area code.
AREA_CODE = COUNTY[0][:6]

SAMPLE_CSV = Path(__file__).with_name("sample_regions.csv")

# Policy profiles set on demo regions, to show inheritance: the county follows the national norms
# with Xuecheng's targets; three townships run their own documents' rules; 平川镇 inherits the county's.
POLICIES = {
    "990102000000": "xuecheng-2016",
    "990102001000": "qiyunshan-2024",
    "990102003000": "zhongliang-2022",
    "990102004000": "pingqiao-2025",
}

# Township code and name, then its villages/communities (村/社区) with resident populations.
TOWNSHIPS: list[tuple[str, str, list[tuple[str, int]]]] = [
    (
        "990102001000",
        "青山镇",
        [
            ("青山社区", 5960),
            ("东坡村", 5480),
            ("三河村", 4870),
            ("石桥村", 5720),
            ("杏花村", 5130),
            ("龙泉村", 4260),
        ],
    ),
    (
        "990102002000",
        "平川镇",
        [
            ("平川社区", 5990),
            ("河西村", 5640),
            ("白杨村", 4950),
            ("南塘村", 5380),
            ("新庄村", 4720),
            ("马家湾村", 3860),
        ],
    ),
    (
        "990102003000",
        "中岭乡",
        [
            ("中岭村", 4980),
            ("松林村", 4130),
            ("上坪村", 4560),
            ("桃源村", 3740),
            ("黄土岭村", 2860),
            ("石门村", 3320),
        ],
    ),
    (
        "990102004000",
        "雪城街道",
        [
            ("雪城社区", 5990),
            ("文昌社区", 5960),
            ("鼓楼社区", 5870),
            ("北关社区", 5780),
            ("南门社区", 5690),
            ("柳湾社区", 5580),
        ],
    ),
]


@dataclass(frozen=True)
class DemoRegion:
    code: str
    name: str
    parent_code: str
    population: int
    township: str = ""  # for villages: the township's name

    @property
    def is_community(self) -> bool:
        """A residents' committee (社区, urban) rather than a villagers' committee (村, rural)."""
        return self.name.endswith("社区")


def villages() -> list[DemoRegion]:
    out = []
    for township_code, township_name, members in TOWNSHIPS:
        for i, (name, population) in enumerate(members, start=1):
            out.append(
                DemoRegion(f"{township_code[:9]}{i:03d}", name, township_code, population, township_name)
            )
    return out


def tree() -> list[DemoRegion]:
    """Every demo region, parents before children."""
    vills = villages()
    township_rows = [
        DemoRegion(code, name, COUNTY[0], sum(v.population for v in vills if v.parent_code == code))
        for code, name, _ in TOWNSHIPS
    ]
    total = sum(v.population for v in vills)
    return [
        DemoRegion(PROVINCE[0], PROVINCE[1], "", total),
        DemoRegion(CITY[0], CITY[1], PROVINCE[0], total),
        DemoRegion(COUNTY[0], COUNTY[1], CITY[0], total),
        *township_rows,
        *vills,
    ]


def full_names() -> dict[str, str]:
    """Code -> name from the county down (示范县青山镇东坡村), as Region.full_name() gives it."""
    by_code = {r.code: r for r in tree()}
    out = {}
    for region in by_code.values():
        if not region.code.startswith(COUNTY[0][:6]):  # above the county: just the name
            out[region.code] = region.name
            continue
        chain, node = [], region
        while node is not None:
            chain.append(node.name)
            node = by_code.get(node.parent_code) if node.code != COUNTY[0] else None
        out[region.code] = "".join(reversed(chain))
    return out


def as_csv() -> str:
    """The demo tree in load_regions format (header, then one row per region)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "name", "parent_code", "population", "policy"])
    for region in tree():
        writer.writerow([region.code, region.name, region.parent_code, region.population,
                         POLICIES.get(region.code, "")])
    return buffer.getvalue()
