"""Who approves whose large export (exports/rules.py docstring gives the reasons), as tables."""

import pytest

from jingfang.accounts import roles
from jingfang.exports import rules

COUNTY, T1, T2, V11, OTHER_COUNTY = "990102000000", "990102001000", "990102002000", "990102001001", "990103000000"
CITY = "990100000000"


@pytest.mark.parametrize("role,region,expected", [
    # township and village users: their township's comprehensive-governance office
    (roles.VILLAGE_DOCTOR, V11, (roles.TOWNSHIP_OFFICE, T1)),
    (roles.TOWNSHIP_DOCTOR, T1, (roles.TOWNSHIP_OFFICE, T1)),
    (roles.POLICE, T1, (roles.TOWNSHIP_OFFICE, T1)),
    (roles.CIVIL_AFFAIRS, T2, (roles.TOWNSHIP_OFFICE, T2)),
    (roles.DPF, V11, (roles.TOWNSHIP_OFFICE, T1)),
    # the township office itself: a county supervisor over its township (no one approves themselves)
    (roles.TOWNSHIP_OFFICE, T1, (roles.COUNTY_SUPERVISOR, T1)),
    # county-level (or higher) users of other roles: a county supervisor over their region
    (roles.CIVIL_AFFAIRS, COUNTY, (roles.COUNTY_SUPERVISOR, COUNTY)),
    (roles.POLICE, COUNTY, (roles.COUNTY_SUPERVISOR, COUNTY)),
    (roles.DPF, CITY, (roles.COUNTY_SUPERVISOR, CITY)),
    # county supervisors are exempt (audited, marked exempt)
    (roles.COUNTY_SUPERVISOR, COUNTY, None),
    (roles.COUNTY_SUPERVISOR, CITY, None),
])
def test_who_approves_whom(role, region, expected):
    assert rules.approver_for(role, region) == expected


def _request(requester_role, requester_region):
    wanted_role, wanted_region = rules.approver_for(requester_role, requester_region)
    return {"requester_id": 1, "wanted_role": wanted_role, "wanted_region": wanted_region,
            "requester_region": requester_region}


@pytest.mark.parametrize("approver_role,approver_region,requester,expected", [
    (roles.TOWNSHIP_OFFICE, T1, (roles.TOWNSHIP_DOCTOR, T1), True),
    (roles.TOWNSHIP_OFFICE, T1, (roles.VILLAGE_DOCTOR, V11), True),
    (roles.TOWNSHIP_OFFICE, T2, (roles.TOWNSHIP_DOCTOR, T1), False),  # another township's office
    (roles.TOWNSHIP_OFFICE, T1, (roles.TOWNSHIP_OFFICE, T1), False),  # a colleague of the same office
    (roles.TOWNSHIP_OFFICE, T1, (roles.CIVIL_AFFAIRS, COUNTY), False),  # county-level user
    (roles.COUNTY_SUPERVISOR, COUNTY, (roles.TOWNSHIP_OFFICE, T1), True),
    (roles.COUNTY_SUPERVISOR, COUNTY, (roles.CIVIL_AFFAIRS, COUNTY), True),
    (roles.COUNTY_SUPERVISOR, COUNTY, (roles.TOWNSHIP_DOCTOR, T1), True),  # a higher level may decide
    (roles.COUNTY_SUPERVISOR, OTHER_COUNTY, (roles.TOWNSHIP_OFFICE, T1), False),  # another county
    (roles.COUNTY_SUPERVISOR, COUNTY, (roles.DPF, CITY), False),  # above the supervisor's county
    (roles.TOWNSHIP_DOCTOR, T1, (roles.VILLAGE_DOCTOR, V11), False),
    (roles.POLICE, T1, (roles.VILLAGE_DOCTOR, V11), False),
    (roles.ADMIN, COUNTY, (roles.TOWNSHIP_OFFICE, T1), False),
])
def test_who_may_decide(approver_role, approver_region, requester, expected):
    assert rules.may_decide(approver_role, approver_region, approver_id=2, **_request(*requester)) is expected


def test_nobody_decides_their_own_request():
    req = _request(roles.TOWNSHIP_OFFICE, T1)
    assert not rules.may_decide(roles.COUNTY_SUPERVISOR, COUNTY, approver_id=req["requester_id"], **req)


@pytest.mark.parametrize("count,role,personal,expected", [
    (500, roles.TOWNSHIP_DOCTOR, True, False),  # at the threshold: exported at once
    (501, roles.TOWNSHIP_DOCTOR, True, True),
    (501, roles.TOWNSHIP_OFFICE, True, True),
    (5000, roles.COUNTY_SUPERVISOR, True, False),  # exempt
    (5000, roles.TOWNSHIP_DOCTOR, False, False),  # aggregates hold no personal rows
    (0, roles.POLICE, True, False),
])
def test_needs_approval(count, role, personal, expected):
    assert rules.needs_approval(count, 500, role, personal=personal) is expected


@pytest.mark.parametrize("approved,now,expected", [
    (600, 600, True), (600, 660, True), (600, 661, False), (20, 30, True), (20, 31, False), (600, 10, True)])
def test_an_approval_covers_a_little_growth(approved, now, expected):
    assert rules.still_covered(approved, now) is expected


def test_parameters_compared_without_blanks_page_or_approval():
    assert rules.normal_params([("status", "at_home"), ("region", ""), ("page", "3"), ("approval", "7"),
                                ("csrfmiddlewaretoken", "x"), ("kind", "b"), ("kind", "a")]) == [
        ["kind", "a"], ["kind", "b"], ["status", "at_home"]]
