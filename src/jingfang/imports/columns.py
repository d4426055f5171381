"""The columns of the patient ledger (患者台账) as township staff keep it, close to the national
personal-information supplement (个人信息补充表): header, what it fills, how a cell is read.

Cells are read leniently (full-width digits, "2015/3/1", "2015年3月1日", labels or their common
short forms) and every cell that cannot be read says why, naming the column.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from jingfang.core import idnumber, vocab


class CellError(ValueError):
    """A cell that cannot be read; the message (Chinese) says what is expected."""


@dataclass(frozen=True)
class Column:
    header: str
    key: str  # a registry field name, "guardian.<name>", or "sex"/"region_name" (read by the ledger)
    kind: str = "text"  # text, id, phone, date, choice, bool, code
    required: bool = False
    choices: dict = field(default_factory=dict)  # accepted words -> code
    aliases: tuple = ()
    example: object = ""
    note: str = ""


def _words(mapping: dict, extra: dict | None = None) -> dict:
    """Codes and labels both accepted, plus extra short forms."""
    out = {code: code for code in mapping}
    out.update({label: code for code, label in mapping.items()})
    out.update(extra or {})
    return out


DIAGNOSIS_WORDS = _words(vocab.DIAGNOSES, {
    "偏执性精神病": "paranoid_psychosis", "持久的妄想性障碍": "paranoid_psychosis", "妄想性障碍": "paranoid_psychosis",
    "双相情感障碍": "bipolar", "双相障碍": "bipolar", "双相": "bipolar",
    "精神发育迟滞": "intellectual_disability", "精神发育迟滞伴发精神障碍": "intellectual_disability",
    "癫痫性精神障碍": "epilepsy",
})
STATUS_WORDS = _words(vocab.STATUSES, {"在家": "at_home", "住院": "hospitalized", "走失": "missing",
                                       "下落不明": "missing", "外出": "moved_out", "迁出": "moved_out",
                                       "羁押": "in_custody", "服刑": "in_custody", "戒毒": "drug_rehab",
                                       "死亡": "deceased"})
CONSENT_WORDS = _words(vocab.CONSENT, {"同意": "agreed", "不同意": "refused", "已签署": "agreed", "未签": "unknown"})
ECONOMIC_WORDS = _words(vocab.ECONOMIC, {"贫困": "poor", "低保": "poor", "特困": "poor"})
RELATION_WORDS = _words(vocab.GUARDIAN_RELATIONS, {
    "父亲": "parent", "母亲": "parent", "父": "parent", "母": "parent", "丈夫": "spouse", "妻子": "spouse",
    "夫": "spouse", "妻": "spouse", "儿子": "child", "女儿": "child", "子": "child", "女": "child",
    "兄": "sibling", "弟": "sibling", "姐": "sibling", "妹": "sibling", "哥哥": "sibling", "弟弟": "sibling",
    "姐姐": "sibling", "妹妹": "sibling", "村委会": "committee", "居委会": "committee", "亲属": "relative",
})
YES = {"是": True, "有": True, "Y": True, "y": True, "1": True, "否": False, "无": False, "N": False, "n": False,
       "0": False}

SAMPLE_ID = idnumber.make("990102", dt.date(1978, 4, 12), 31, "M")  # area 990102 is fictional

COLUMNS = [
    Column("姓名", "name", required=True, example="王建国"),
    Column("性别", "sex", "choice", choices={"男": "M", "女": "F", "M": "M", "F": "F"}, example="男",
           note="可不填；填写时须与身份证号一致"),
    Column("身份证号", "id_number", "id", required=True, aliases=("身份证号码", "公民身份号码", "证件号码"),
           example=SAMPLE_ID, note="18位，请将此列设为“文本”格式，以免Excel把号码变成科学计数"),
    Column("本人电话", "phone", "phone", aliases=("联系电话", "电话", "手机号码"), example="13800001234"),
    Column("现住址所在村（社区）区划代码", "region_code", "code",
           aliases=("区划代码", "村（社区）区划代码", "村区划代码", "现住址区划代码"), example="990102001001",
           note="12位统计用区划代码；可不填而填下一列的村（社区）名称"),
    Column("现住址所在村（社区）", "region_name", aliases=("村（社区）", "村名", "所在村", "村（居）", "现住址所在村"),
           example="甲村", note="村（社区）名称；辖区内有同名时须填区划代码"),
    Column("现住址", "address", required=True, aliases=("现住址详细地址", "住址"), example="甲村3组12号"),
    Column("户籍地区划代码", "household_region_code", "code", aliases=("户籍区划代码",),
           note="不填表示户籍地与现住址所在村相同"),
    Column("户籍地址", "household_address", aliases=("户籍地详细地址",), example="甲村3组12号"),
    Column("户别", "household_type", "choice", choices=_words(vocab.HOUSEHOLD_TYPES), example="农村"),
    Column("目前诊断", "diagnosis", "choice", required=True, choices=DIAGNOSIS_WORDS, aliases=("诊断",),
           example="精神分裂症", note="六类之一：" + "、".join(vocab.DIAGNOSES.values())),
    Column("确诊医院", "diagnosis_hospital", example="示范县精神病医院"),
    Column("确诊日期", "diagnosis_date", "date", example=dt.date(2015, 3, 1), note="如2015-03-01"),
    Column("初次发病时间", "first_onset_date", "date", aliases=("初次发病日期",), example=dt.date(2014, 10, 1)),
    Column("在管状态", "status", "choice", choices=STATUS_WORDS, aliases=("目前状态",), example="在家居住",
           note="不填为在家居住；死亡的患者请逐个登记"),
    Column("知情同意", "informed_consent", "choice", choices=CONSENT_WORDS, example="同意参加管理"),
    Column("经济状况", "economic_status", "choice", choices=ECONOMIC_WORDS, example="非贫困"),
    Column("公安列管", "police_listed", "bool", aliases=("是否公安列管",), example="否", note="是/否"),
    Column("监护人姓名", "guardian.name", aliases=("监护人",), example="王秀兰"),
    Column("监护人与患者关系", "guardian.relation", "choice", choices=RELATION_WORDS,
           aliases=("监护人关系", "与患者关系"), example="父母"),
    Column("监护人电话", "guardian.phone", "phone", aliases=("监护人联系电话",), example="13900004321"),
    Column("监护人住址", "guardian.address", aliases=("监护人地址",), example="甲村3组12号"),
]
BY_KEY = {c.key: c for c in COLUMNS}
_FOLD = str.maketrans({"（": "(", "）": ")", "*": None, "＊": None, " ": None, "\u3000": None, "\n": None,
                       "\r": None, "\t": None})


def fold(header) -> str:
    return str(header or "").translate(_FOLD)


HEADERS = {fold(name): c for c in COLUMNS for name in (c.header, *c.aliases)}


def match_headers(headers: list) -> tuple[dict[int, Column], list[str]]:
    """Which column of the sheet is which ledger column, and the headers not recognised."""
    found: dict[int, Column] = {}
    unknown: list[str] = []
    taken: set[str] = set()
    for i, header in enumerate(headers):
        column = HEADERS.get(fold(header))
        if column is None or column.key in taken:
            if str(header or "").strip():
                unknown.append(str(header).strip())
            continue
        found[i] = column
        taken.add(column.key)
    return found, unknown


# Reading cells ---------------------------------------------------------------------------------
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = int(value)
        if 19000101 <= number <= 21001231:
            value = str(number)
        elif 1 <= number < 80000:  # an Excel date serial whose cell lost its date format
            return _EXCEL_EPOCH + dt.timedelta(days=number)
    raw = idnumber.normalize(str(value))
    match = _DATE_TEXT.match(raw) or (re.match(r"^(\d{4})(\d{2})(\d{2})$", raw))
    if not match:
        raise CellError("日期格式不正确，应如2015-03-01")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError("日期不存在，请核对") from None


def read_id(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError("身份证号被Excel存成了数字，末几位可能已丢失：请将此列设为“文本”格式后重新填写")
    return idnumber.normalize(text(value))


def read_phone(value) -> str:
    return idnumber.normalize(text(value))


def read_choice(value, column: Column) -> str:
    word = text(value)
    if not word:
        return ""
    code = column.choices.get(word) or column.choices.get(word.replace(" ", ""))
    if code is None:
        options = "、".join(labels(column))[:150]
        raise CellError(f"“{word[:20]}”不是可选值（可填：{options}）")
    return code


def labels(column: Column) -> list[str]:
    """The words to offer for a choice column: one per code, the vocabulary's label (the first
    non-code word given for it), not the short forms also accepted."""
    out: dict[str, str] = {}
    for word, code in column.choices.items():
        if not word.isascii() and code not in out:
            out[code] = word
    return list(out.values())


def read_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    word = text(value)
    if not word:
        return False
    if word not in YES:
        raise CellError(f"应填“是”或“否”，而不是“{word[:20]}”")
    return YES[word]


READERS = {
    "date": lambda value, column: read_date(value),
    "id": lambda value, column: read_id(value),
    "phone": lambda value, column: read_phone(value),
    "choice": read_choice,
    "bool": lambda value, column: read_bool(value),
    "code": lambda value, column: idnumber.normalize(text(value)),
    "text": lambda value, column: text(value),
}


def read_cell(value, column: Column):
    return READERS[column.kind](value, column)
