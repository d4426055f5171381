"""Synthetic ledgers for tests and the benchmark: Faker zh_CN names, valid-checksum ID numbers with the
fictional area code 990102, the template's columns. Nothing here is real."""

import datetime as dt
import io
import random

from openpyxl import Workbook

from jingfang.core import idnumber, vocab

from .columns import COLUMNS

BIRTH_DAYS = (dt.date(2000, 1, 1) - dt.date(1930, 1, 1)).days


def rows(n: int, villages: list[str], *, seed: int = 1, start: int = 0) -> list[dict]:
    """``n`` ledger rows (header -> value) spread over the given village codes; ``start`` offsets the
    ID sequence so that two calls give different people."""
    from faker import Faker

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    diagnoses = list(vocab.DIAGNOSES.values())
    out = []
    for i in range(start, start + n):
        sex = "M" if i % 2 else "F"
        # area 990102 + a birth date in 1930-1999 + a sequence: (birth, sequence) is different for
        # every i below 500 x 25,567 = 12.8 million, so the numbers of one call never repeat
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=i % BIRTH_DAYS)
        number = idnumber.make("990102", birth, 2 * ((i // BIRTH_DAYS) % 500) + (1 if sex == "M" else 0), sex)
        village = villages[i % len(villages)]
        out.append({
            "姓名": fake.name_male() if sex == "M" else fake.name_female(),
            "性别": "男" if sex == "M" else "女",
            "身份证号": number,
            "本人电话": f"138{i % 100_000_000:08d}",
            "现住址所在村（社区）区划代码": village,
            "现住址": f"{rng.randint(1, 12)}组{rng.randint(1, 80)}号",
            "户籍地址": f"{rng.randint(1, 12)}组{rng.randint(1, 80)}号",
            "户别": "农村" if i % 3 else "城镇",
            "目前诊断": diagnoses[i % len(diagnoses)],
            "确诊医院": "示范县精神病医院",
            "确诊日期": dt.date(2005, 1, 1) + dt.timedelta(days=i % 5000),
            "在管状态": "在家居住",
            "知情同意": "同意参加管理",
            "经济状况": "非贫困" if i % 4 else "贫困（在当地最低生活保障标准以下）",
            "公安列管": "否",
            "监护人姓名": fake.name(),
            "监护人与患者关系": "父母",
            "监护人电话": f"139{i % 100_000_000:08d}",
        })
    return out


def workbook(data: list[dict], headers: list[str] | None = None) -> bytes:
    """A ledger workbook: the header row, then the rows (missing keys left blank)."""
    headers = headers or [c.header for c in COLUMNS]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("患者台账")
    ws.append(headers)
    for row in data:
        ws.append([row.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
