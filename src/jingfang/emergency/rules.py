"""Emergency access (紧急查阅, "break the glass") as pure rules: what a request needs, how long a grant
lasts, what state a grant is in, and what a review needs. No database; tests in tests/test_rules.py.

Sources: 平桥区2025 一 (属地管理、分片负责: each user sees nothing outside their region);
《中华人民共和国精神卫生法》第四条 and 《中华人民共和国个人信息保护法》第六条 (confidentiality, minimum
necessary: every look at personal data is audited); the exception for a real emergency is this system's own
rule (none of the policy documents describes one): it needs a written reason, lasts the patient's
profile's `[emergency_access] hours` (national default 3), notifies the patient's township office and
is reviewed by the county.
"""

import datetime as dt
import re

from jingfang.core.errors import FieldError

CATEGORIES = {
    "incident": "肇事肇祸处置",
    "emergency_care": "急诊救治",
    "missing": "走失查找",
    "other": "其他",
}
REVIEW_OUTCOMES = {"reasonable": "合理", "unreasonable": "不合理"}
REASON_MIN = 10
LIMIT_WINDOW = dt.timedelta(hours=24)
LIMITED = "24小时内已紧急查阅{limit}次，达到上限，暂不能再查；确有紧急情况请联系县级督导"
REASON_MAX = 500
NOTE_MAX = 500
UNREASONABLE_NOTE_MIN = 5
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")


def request_errors(id_number: str, category: str, reason: str) -> list[FieldError]:
    """What is wrong with a request (empty when it may be looked up). The ID number's own checksum is
    checked by the caller (core.idnumber); here only whether one was given."""
    errors = []
    if not (id_number or "").strip():
        errors.append(FieldError("id_number", "身份证号：请填写患者的完整身份证号"))
    if category not in CATEGORIES:
        errors.append(FieldError("category", f"事由类别：请选择{'、'.join(CATEGORIES.values())}之一"))
    text = (reason or "").strip()
    if len(text) < REASON_MIN:
        errors.append(FieldError("reason", f"查阅理由：请写明紧急情况，至少{REASON_MIN}个字（现为{len(text)}个字）"))
    elif len(text) > REASON_MAX:
        errors.append(FieldError("reason", f"查阅理由：不能超过{REASON_MAX}个字"))
    elif _ID_NUMBER.search(text):
        errors.append(FieldError("reason", "查阅理由：请勿在理由中填写身份证号"))
    return errors


def expires_at(started: dt.datetime, hours: int) -> dt.datetime:
    return started + dt.timedelta(hours=hours)


def is_active(started: dt.datetime, expires: dt.datetime, now: dt.datetime) -> bool:
    """A grant opens the patient from its start up to, not including, its expiry."""
    return started <= now < expires


def review_errors(outcome: str, note: str) -> list[FieldError]:
    errors = []
    if outcome not in REVIEW_OUTCOMES:
        errors.append(FieldError("outcome", "审核结论：请选择“合理”或“不合理”"))
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        errors.append(FieldError("note", f"审核意见：不能超过{NOTE_MAX}个字"))
    elif outcome == "unreasonable" and len(text) < UNREASONABLE_NOTE_MIN:
        errors.append(FieldError("note", f"审核意见：结论为“不合理”时请写明原因，至少{UNREASONABLE_NOTE_MIN}个字"))
    return errors
