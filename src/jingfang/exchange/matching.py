"""Reconciliation of a department's list with ours, as pure functions ("departments' lists must agree",
齐云山镇2024 三（六）2; 中梁乡2022 三、6: 确保卫生计生、综治、公安、民政、残联等部门信息一致).

Matching: by ID number; when their ID number is unusable (typed into a number cell, so Excel kept
only 15 significant digits: "身份证号被存为数字，后几位已丢失"; or missing), by name + birth date (digits
7-14 survive) + village, or name + village when there is no number at all. One candidate only:
two people sharing name and birth date are never guessed between.
Result: theirs-only, ours-only (our active patients not on their list), and field disagreements
(name, address, status, risk level).
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from jingfang.core import idnumber, ids
from jingfang.core.masking import mask_id_number
from jingfang.core.vocab import STATUSES

from .sheet import fold

LOST_DIGITS = "身份证号被存为数字，后几位已丢失"
STORED_AS_NUMBER = "身份证号被存为数字，请在对方表格中改为文本格式"
BAD_CHECK = "身份证号校验位不正确"
OLD_15 = "15位旧身份证号，已按规则换算为18位"
AMBIGUOUS = "同名同出生日期（或同村同名）者不止一人，需人工核对"
ELSEWHERE = "该身份证号已在本乡镇以外登记（按规定不显示所在地）"
UNVERIFIED = "该身份证号是否已在本乡镇以外登记需县级核实"
ACTIVE = ("at_home", "hospitalized", "in_custody", "drug_rehab", "missing")  # on a current list

STATUS_WORDS = [  # their words -> our status code; first match wins
    ("死亡", "deceased"), ("已故", "deceased"), ("去世", "deceased"), ("病故", "deceased"),
    ("住院", "hospitalized"), ("在院", "hospitalized"), ("强制医疗", "hospitalized"), ("福利院", "hospitalized"),
    ("羁押", "in_custody"), ("服刑", "in_custody"), ("在押", "in_custody"), ("看守", "in_custody"),
    ("社区矫正", "in_custody"), ("戒毒", "drug_rehab"),
    ("下落不明", "missing"), ("走失", "missing"), ("失踪", "missing"), ("失联", "missing"), ("去向不明", "missing"),
    ("迁出", "moved_out"), ("外出", "moved_out"), ("外地", "moved_out"), ("务工", "moved_out"),
    ("在家", "at_home"), ("居家", "at_home"), ("在管", "at_home"), ("正常", "at_home"),
]
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5}


@dataclass(frozen=True)
class Ours:
    id: int
    name: str
    id_number: str
    birth_date: dt.date
    village: str
    village_name: str
    address: str
    status: str
    risk_level: int | None


@dataclass(frozen=True)
class TheirId:
    number: str  # 18 characters when usable, else the digits that survive
    usable: bool
    birth_date: dt.date | None
    warnings: tuple[str, ...] = ()


# Normalisation -----------------------------------------------------------------------------------
def text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return fold(str(value)).strip()


def name_key(value) -> str:
    """'张 三' / '张\u3000三' -> '张三'; Latin names keep single spaces."""
    text = text_of(value)
    if re.search(r"[\u4e00-\u9fff]", text):
        return re.sub(r"\s+", "", text).replace("•", "·")
    return re.sub(r"\s+", " ", text).upper()


# A unit, floor or room at the end of an address (2单元101室, 3栋2楼, 5-1-302): a ledger written by
# another department often stops at the building, so it is left out of the comparison.
UNIT_TAIL = re.compile(r"(?:\d+(?:号楼|栋|幢|座|单元|楼|层|室|户)|(?<=\d)[-－]\d+)+$")
OTHER_PLACE = re.compile(r"(村|社区|居委会|村委会|组)$")
PLACE_SUFFIXES = ("居民委员会", "村民委员会", "居委会", "村委会", "社区", "街道", "村", "镇", "乡")


def place_variants(names) -> list[str]:
    """The names a place is written with: '青山社区' also as '青山社区居委会' and '青山'; longest first."""
    out = set()
    for name in names:
        name = re.sub(r"\s+", "", text_of(name))
        if not name:
            continue
        out.add(name)
        for suffix in PLACE_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                out.add(name[: -len(suffix)])
    return sorted(out, key=len, reverse=True)


def address_key(value, places=()) -> str:
    """An address as compared: full and half width folded, punctuation and spaces gone, the region
    names the system knows (``place_variants``) removed wherever they stand, and a trailing unit,
    floor or room dropped. '青山社区高街23号' and '高街23号2单元101室' both give '高街23号'."""
    text = re.sub(r"[\s,，。.、—()（）]", "", text_of(value))
    for name in places:
        for tail in ("居民委员会", "村民委员会", "居委会", "村委会", ""):
            text = text.replace(name + tail, "")
    return UNIT_TAIL.sub("", text)


def same_address(theirs: str, ours: str, places=()) -> bool:
    """One address written two ways: equal once normalised, or one a fuller form of the other."""
    a, b = address_key(theirs, places), address_key(ours, places)
    if not a or a == b:
        return True
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    # a fuller form adds places above (省、市…); one that adds another village or community is elsewhere
    return bool(shorter) and longer.endswith(shorter) and not OTHER_PLACE.search(longer[: -len(shorter)])


def _birth(digits: str) -> dt.date | None:
    try:
        return dt.date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except (ValueError, IndexError):
        return None


def parse_id(value) -> TheirId:
    if value is None or value == "":
        return TheirId("", False, None)
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f").split(".")[0]
        if len(digits) == 18 and isinstance(value, int) and idnumber.is_valid(digits):
            return TheirId(digits, True, _birth(digits), (STORED_AS_NUMBER,))
        if len(digits) == 15:
            return _from_15(digits, (STORED_AS_NUMBER,))
        return TheirId(digits, False, _birth(digits) if len(digits) == 18 else None, (LOST_DIGITS,))
    raw = fold(str(value)).strip().lstrip("'‘’`")
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", raw):  # the number's display pasted as text
        try:
            digits = format(Decimal(raw), "f").split(".")[0]
        except InvalidOperation:
            digits = ""
        return TheirId(digits, False, _birth(digits) if len(digits) == 18 else None, (LOST_DIGITS,))
    number = idnumber.normalize(re.sub(r"[\s\-－_]", "", raw))
    if len(number) == 15 and number.isdigit():
        return _from_15(number, ())
    if len(number) != 18:
        return TheirId(number, False, None, (f"身份证号位数不对（{len(number)}位）",))
    if not idnumber.is_valid(number):
        return TheirId(number, True, _birth(number), (BAD_CHECK,))
    return TheirId(number, True, _birth(number))


def _from_15(digits: str, warnings: tuple) -> TheirId:
    first17 = f"{digits[:6]}19{digits[6:15]}"
    number = first17 + idnumber.check_digit(first17)
    return TheirId(number, True, _birth(number), (*warnings, OLD_15))


def status_of(value) -> str | None:
    text = text_of(value)
    if not text:
        return None
    if text in STATUSES:
        return text
    for word, code in STATUS_WORDS:
        if word in text:
            return code
    return None


def risk_of(value) -> int | None:
    text = text_of(value).replace("级", "").replace("等", "").strip()
    if not text:
        return None
    if ids.is_digits(text) and 0 <= int(text) <= 5:
        return int(text)
    if len(text) == 1 and text in CN_DIGITS:
        return CN_DIGITS[text]
    return None


def village_of(value, villages: dict[str, str]) -> str | None:
    """Their village text (a name, a longer place name, or a code) -> one of our village codes."""
    text = re.sub(r"\s+", "", text_of(value))
    if not text:
        return None
    if text in villages:
        return text
    hits = [code for code, name in villages.items() if name and (name in text or text in name)]
    hits.sort(key=lambda code: -len(villages[code]))
    return hits[0] if hits else None


# Reconciliation ----------------------------------------------------------------------------------
def their_record(row: dict, headers: list[str], mapping: dict[str, str], villages: dict[str, str]) -> dict:
    cells = row["cells"]

    def get(fieldname):
        header = mapping.get(fieldname)
        if header not in headers:
            return None
        i = headers.index(header)
        return cells[i] if i < len(cells) else None

    parsed = parse_id(get("id_number"))
    village_text = text_of(get("village"))
    return {
        "row": row["row"], "name": name_key(get("name")), "id": parsed, "address": text_of(get("address")),
        "status_text": text_of(get("status")), "status": status_of(get("status")),
        "risk_text": text_of(get("risk_level")), "risk_level": risk_of(get("risk_level")),
        "village_text": village_text, "village": village_of(village_text, villages) if village_text else None,
    }


def _theirs_json(rec: dict, villages: dict[str, str]) -> dict:
    tid: TheirId = rec["id"]
    return {
        "name": rec["name"], "id_number": tid.number, "id_number_masked": mask_id_number(tid.number),
        "id_usable": tid.usable, "birth_date": tid.birth_date.isoformat() if tid.birth_date else None,
        "address": rec["address"], "status_text": rec["status_text"], "status": rec["status"],
        "risk_text": rec["risk_text"], "risk_level": rec["risk_level"], "village_text": rec["village_text"],
        "village": rec["village"], "village_name": villages.get(rec["village"] or "", ""),
    }


def ours_json(p: Ours) -> dict:
    return {"patient_id": p.id, "name": p.name, "id_number_masked": mask_id_number(p.id_number),
            "village": p.village, "village_name": p.village_name, "address": p.address, "status": p.status,
            "status_label": STATUSES.get(p.status, p.status), "risk_level": p.risk_level}


def _diffs(rec: dict, p: Ours, matched_by_id: bool, places=()) -> list[dict]:
    out = []
    tid: TheirId = rec["id"]
    if not matched_by_id and tid.number:
        out.append({"field": "id_number", "label": "身份证号", "ours": mask_id_number(p.id_number),
                    "theirs": mask_id_number(tid.number)})
    if rec["name"] and rec["name"] != name_key(p.name):
        out.append({"field": "name", "label": "姓名", "ours": p.name, "theirs": rec["name"]})
    if not same_address(rec["address"], p.address, places):
        out.append({"field": "address", "label": "住址", "ours": p.address, "theirs": rec["address"]})
    if rec["status"] and rec["status"] != p.status:
        out.append({"field": "status", "label": "在管状态", "ours": STATUSES.get(p.status, p.status),
                    "theirs": rec["status_text"]})
    if rec["risk_level"] is not None and rec["risk_level"] != p.risk_level:
        ours_risk = "未评估" if p.risk_level is None else f"{p.risk_level}级"
        out.append({"field": "risk_level", "label": "危险性等级", "ours": ours_risk, "theirs": rec["risk_text"]})
    return out


FOOTER_WORDS = ("填表", "制表", "审核", "负责人", "合计", "总计", "说明", "备注", "签字", "盖章")


def _not_a_person(name: str) -> bool:
    return bool(name) and (any(w in name for w in FOOTER_WORDS) or ":" in name or "：" in name
                           or name in ("姓名", "患者姓名") or len(name) > 30)


def _fallback(rec: dict, same_name: list[Ours]) -> tuple[Ours | None, str]:
    """Match without a usable number: name + birth date (+ village when they give one), or name +
    village when there is no birth date; never a guess between several people."""
    birth, village = rec["id"].birth_date, rec["village"]
    if birth is None and village is None:
        return None, ""
    candidates = [p for p in same_name if (birth is None or p.birth_date == birth)
                  and (village is None or p.village == village)]
    if len(candidates) > 1:
        return None, AMBIGUOUS
    if not candidates:
        return None, ""
    how = "、".join(w for w, used in (("姓名", True), ("出生日期", birth), ("所在村", village)) if used)
    return candidates[0], f"按{how}匹配"


def reconcile(rows: list[dict], headers: list[str], mapping: dict[str, str], ours: list[Ours],
              villages: dict[str, str], elsewhere: set[str] = frozenset(), unverified: set[str] = frozenset(),
              places=()) -> dict:
    """{"lines": [...], "counts": {...}, "warnings": [...]}: what differs between their list and ours.
    ``places``: names of the township and the regions above it, left out of addresses (with the
    patient's village) when they are compared."""
    places = list(places)
    by_id = {p.id_number: p for p in ours}
    by_name: dict[str, list[Ours]] = {}
    for p in ours:
        by_name.setdefault(name_key(p.name), []).append(p)
    lines, matched, agree, processed = [], set(), 0, 0
    warnings = []
    if "village" not in mapping:
        warnings.append("对方名单没有“所在村（社区）”列：身份证号不可用时只按姓名与出生日期匹配")
    for row in rows:
        rec = their_record(row, headers, mapping, villages)
        tid: TheirId = rec["id"]
        if (not rec["name"] and not tid.number) or _not_a_person(rec["name"]):
            continue  # a blank, footer, signature or repeated header row
        processed += 1
        notes = list(tid.warnings)
        patient, by_number = None, False
        if tid.usable and tid.number in by_id:
            patient, by_number = by_id[tid.number], True
        elif rec["name"] and not (tid.usable and tid.number in elsewhere):
            patient, note = _fallback(rec, by_name.get(rec["name"], []))
            if note:
                notes.append(note)
        if patient is None:
            if tid.usable and tid.number in elsewhere:
                notes.append(ELSEWHERE)
            elif tid.usable and tid.number in unverified:
                notes.append(UNVERIFIED)
            lines.append({"kind": "theirs_only", "row": rec["row"], "patient_id": None,
                          "theirs": _theirs_json(rec, villages), "ours": {}, "diffs": [], "warnings": notes})
            continue
        if patient.id in matched:
            notes.append("对方名单中此人出现不止一次")
        matched.add(patient.id)
        # the patient's own village and the regions above it are left out; another village named in
        # their address stays, and shows as a difference
        diffs = _diffs(rec, patient, by_number, place_variants([patient.village_name, *places]))
        if diffs:
            lines.append({"kind": "mismatch", "row": rec["row"], "patient_id": patient.id,
                          "theirs": _theirs_json(rec, villages), "ours": ours_json(patient), "diffs": diffs,
                          "warnings": notes})
        else:
            agree += 1
    for p in ours:
        if p.id not in matched and p.status in ACTIVE:
            lines.append({"kind": "ours_only", "row": None, "patient_id": p.id, "theirs": {},
                          "ours": ours_json(p), "diffs": [], "warnings": []})
    counts = {"rows": processed, "agree": agree}
    for kind in ("theirs_only", "ours_only", "mismatch"):
        counts[kind] = sum(1 for ln in lines if ln["kind"] == kind)
    return {"lines": lines, "counts": counts, "warnings": warnings}
