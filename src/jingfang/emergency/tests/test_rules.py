"""The pure rules of emergency access (emergency/rules.py) and the policy number behind its duration.

Source: 平桥区2025 一 (属地管理: nobody sees outside their region) and 《中华人民共和国精神卫生法》第四条 (confidentiality, everything audited);
the break-the-glass exception and its numbers are this system's rule, set in the national profile
(`[emergency_access] hours = 3`) and inherited by every county profile."""

import datetime as dt

import pytest

from jingfang.accounts import roles
from jingfang.emergency import rules
from jingfang.policies import profiles

GOOD_ID = "990102198005170011"
REASON10 = "患者在集市持刀伤人需处置"


@pytest.mark.parametrize("id_number, category, reason, fields", [
    (GOOD_ID, "incident", REASON10, []),
    ("", "incident", REASON10, ["id_number"]),
    (GOOD_ID, "", REASON10, ["category"]),
    (GOOD_ID, "holiday", REASON10, ["category"]),
    (GOOD_ID, "missing", "", ["reason"]),
    (GOOD_ID, "missing", "   走失了   ", ["reason"]),          # under 10 characters once stripped
    (GOOD_ID, "missing", "一二三四五六七八九", ["reason"]),       # 9 characters
    (GOOD_ID, "missing", "一二三四五六七八九十", []),             # exactly 10
    (GOOD_ID, "other", "字" * 501, ["reason"]),
    (GOOD_ID, "other", f"查找身份证号为{GOOD_ID}的患者下落", ["reason"]),  # no ID numbers in free text
    ("", "", "", ["id_number", "category", "reason"]),
])
def test_request_errors(id_number, category, reason, fields):
    assert [e.field for e in rules.request_errors(id_number, category, reason)] == fields


def test_error_messages_name_the_field_in_chinese():
    messages = [e.message for e in rules.request_errors("", "", "太短")]
    assert messages[0].startswith("身份证号：") and messages[1].startswith("事由类别：")
    assert messages[2] == "查阅理由：请写明紧急情况，至少10个字（现为2个字）"


T0 = dt.datetime(2025, 3, 1, 22, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("now, active", [
    (T0 - dt.timedelta(seconds=1), False),
    (T0, True),
    (T0 + dt.timedelta(hours=2, minutes=59), True),
    (T0 + dt.timedelta(hours=3), False),  # expiry itself no longer opens
    (T0 + dt.timedelta(days=1), False),
])
def test_a_grant_is_active_from_start_until_expiry(now, active):
    assert rules.is_active(T0, rules.expires_at(T0, 3), now) is active


def test_expiry_crosses_midnight():
    assert rules.expires_at(T0, 3) == dt.datetime(2025, 3, 2, 1, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("outcome, note, fields", [
    ("reasonable", "", []),
    ("reasonable", "现场处置需要", []),
    ("unreasonable", "", ["note"]),
    ("unreasonable", "非紧急情况，应走转介流程", []),
    ("maybe", "", ["outcome"]),
    ("", "x" * 501, ["outcome", "note"]),
])
def test_review_errors(outcome, note, fields):
    assert [e.field for e in rules.review_errors(outcome, note)] == fields


@pytest.mark.parametrize("role, may", [
    (roles.TOWNSHIP_DOCTOR, True), (roles.VILLAGE_DOCTOR, True), (roles.POLICE, True),
    (roles.COUNTY_SUPERVISOR, False), (roles.TOWNSHIP_OFFICE, False), (roles.VILLAGE_CADRE, False),
    (roles.CIVIL_AFFAIRS, False), (roles.DPF, False), (roles.JUDICIAL, False), (roles.ADMIN, False),
])
def test_who_may_break_the_glass(role, may):
    """Those who respond in person to an emergency; the reviewer (county) and the notified office do not."""
    assert roles.can(role, roles.BREAK_GLASS) is may


def test_acknowledge_and_review_roles():
    assert [r for r in roles.ROLES if roles.can(r, roles.ACKNOWLEDGE_EMERGENCY)] == [roles.TOWNSHIP_OFFICE]
    assert [r for r in roles.ROLES if roles.can(r, roles.REVIEW_EMERGENCY)] == [roles.COUNTY_SUPERVISOR]


@pytest.mark.parametrize("name", profiles.available_profiles())
def test_every_shipped_profile_inherits_three_hours(name):
    assert profiles.load_profile(name).emergency_access.hours == 3


@pytest.mark.parametrize("hours, ok", [(1, True), (24, True), (0, False), (25, False), ("3", False)])
def test_profile_hours_are_checked(hours, ok):
    data = {"name": "t-emergency", "title": "t", "source": "t", "version": 1, "extends": "national-2018",
            "emergency_access": {"hours": hours}}
    if ok:
        assert profiles.validate(data, "t-emergency").emergency_access.hours == hours
    else:
        with pytest.raises(profiles.PolicyError, match="emergency_access.hours"):
            profiles.validate(data, "t-emergency")
