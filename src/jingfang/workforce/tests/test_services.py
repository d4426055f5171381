"""Workforce writes: one service each, with its audit row; only the county supervisor writes, within the
region; errors name the field in Chinese."""

import datetime as dt

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.core import clock, errors
from jingfang.workforce import compute, services
from jingfang.workforce.models import Institution, StaffMember, Training

pytestmark = pytest.mark.django_db


def test_register_and_kpis(register, tree):
    board = compute.board(tree["county"])
    # 1 psychiatrist for 60,000 residents: 1.67 per 100,000 < 3 (薛城区2016)
    assert board.psychiatrists.numerator == 1 and board.psychiatrists.denominator == 60000
    assert board.psychiatrists.display == "1.67" and board.psychiatrists.met is False
    # 东镇 complete, 西镇 lacks a trained GP: 50 % < 100 %
    assert (board.staffing.numerator, board.staffing.denominator, board.staffing.met) == (1, 2, False)
    assert [(n, lacks) for _c, n, lacks in board.staffing.shortfalls] == [
        ("西镇", ("缺培训合格的加注精神卫生执业范围全科医生",))]
    assert board.counts == {"psychiatrist": 1, "prevention": 2, "gp_psych": 1}


def test_each_write_is_audited(register, users):
    county = users["county"]
    targets = set(AuditEvent.objects.filter(user_id=county.pk, outcome="ok").values_list("target", flat=True))
    assert f"institution:{register['east'].pk}" in targets and f"staff:{register['gp'].pk}" in targets
    assert f"training:{register['gp'].trainings.get().pk}" in targets
    services.update_staff(county, staff=register["prev"], data={"left_on": clock.today().isoformat()})
    row = AuditEvent.objects.filter(target=f"staff:{register['prev'].pk}", action="update").get()
    assert row.detail == {"fields": ["left_on"]}


def test_leaving_opens_a_shortfall(register, users, tree):
    services.update_staff(users["county"], staff=register["prev"], data={"left_on": clock.today().isoformat()})
    board = compute.board(tree["county"])
    assert board.staffing.numerator == 0
    assert ("东镇", ("缺精防人员",)) in [(n, lacks) for _c, n, lacks in board.staffing.shortfalls]


def test_an_update_without_change_writes_nothing(register, users):
    before = AuditEvent.objects.count()
    services.update_staff(users["county"], staff=register["prev"], data={"name": "钱精防"})
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("who", ["doctor", "office", "vdoc", "police", "civil", "admin"])
def test_only_the_county_supervisor_writes(register, users, who):
    user = users[who]
    with pytest.raises(errors.Forbidden):
        services.create_institution(user, data={"region_code": "990102001000", "name": "新卫生院",
                                                "kind": "township_hc"})
    with pytest.raises(errors.Forbidden):
        services.create_staff(user, institution=register["east"], data={"name": "某某", "kind": "prevention"})
    with pytest.raises(errors.Forbidden):
        services.add_training(user, staff=register["prev"], data={"course": "培训", "hours": "8",
                                                                  "date": "2025-01-01"})
    assert not Institution.objects.filter(name="新卫生院").exists()
    assert not StaffMember.objects.filter(name="某某").exists()
    assert AuditEvent.objects.filter(user_id=user.pk, outcome="denied").count() == 3


def test_outside_the_region_is_refused(users, tree):
    with pytest.raises(errors.Invalid) as exc:
        services.create_institution(users["county"], data={"region_code": "990103001000", "name": "北镇卫生院",
                                                           "kind": "township_hc"})
    assert exc.value.errors[0].field == "region_code"


@pytest.mark.parametrize("data, field, words", [
    ({"region_code": "990102001001", "name": "甲村卫生室", "kind": "township_hc"}, "region_code", "乡镇"),
    ({"region_code": "990102000000", "name": "县卫生院", "kind": "township_hc"}, "region_code", "乡镇"),
    ({"region_code": "990102001000", "name": "", "kind": "township_hc"}, "name", "机构名称"),
    ({"region_code": "990102001000", "name": "东镇医院", "kind": "clinic"}, "kind", "机构类别"),
])
def test_institution_errors_name_the_field(users, tree, data, field, words):
    with pytest.raises(errors.Invalid) as exc:
        services.create_institution(users["county"], data=data)
    assert exc.value.errors[0].field == field and words in exc.value.errors[0].message


def test_same_name_twice_conflicts(register, users):
    with pytest.raises(errors.Conflict):
        services.create_institution(users["county"], data={"region_code": "990102001000", "name": "东镇卫生院",
                                                           "kind": "township_hc"})


@pytest.mark.parametrize("data, field", [
    ({"name": "", "kind": "prevention"}, "name"),
    ({"name": "周某", "kind": "nurse"}, "kind"),
    ({"name": "周某", "kind": "prevention", "started": "2025-05-01", "left_on": "2025-01-01"}, "left_on"),
    ({"name": "周某", "kind": "prevention", "started": "2025-13-01"}, "started"),
])
def test_staff_errors_name_the_field(register, users, data, field):
    with pytest.raises(errors.Invalid) as exc:
        services.create_staff(users["county"], institution=register["east"], data=data)
    assert exc.value.errors[0].field == field and exc.value.errors[0].message


@pytest.mark.parametrize("data, field", [
    ({"course": "", "hours": "8", "date": "2025-01-01"}, "course"),
    ({"course": "培训", "hours": "0", "date": "2025-01-01"}, "hours"),
    ({"course": "培训", "hours": "abc", "date": "2025-01-01"}, "hours"),
    ({"course": "培训", "hours": "8", "date": "x"}, "date"),
])
def test_training_errors_name_the_field(register, users, data, field):
    with pytest.raises(errors.Invalid) as exc:
        services.add_training(users["county"], staff=register["prev"], data=data)
    assert exc.value.errors[0].field == field


def test_training_in_the_future_is_refused(register, users):
    later = (clock.today() + dt.timedelta(days=2)).isoformat()
    with pytest.raises(errors.Invalid) as exc:
        services.add_training(users["county"], staff=register["prev"], data={"course": "培训", "hours": "8",
                                                                            "date": later})
    assert exc.value.errors[0].field == "date"
    assert not Training.objects.filter(staff=register["prev"]).exists()


def test_a_gp_without_passed_training_does_not_count(register, users, tree):
    gp = services.create_staff(users["county"], institution=register["west"], data={"name": "周全科",
                                                                                   "kind": "gp_psych"})
    services.add_training(users["county"], staff=gp, data={"course": "转岗培训", "hours": "40",
                                                           "date": "2025-03-01", "passed": ""})
    assert compute.board(tree["county"]).staffing.numerator == 1
    services.add_training(users["county"], staff=gp, data={"course": "转岗培训（补考）", "hours": "8",
                                                           "date": "2025-04-01", "passed": "on"})
    assert compute.board(tree["county"]).staffing.numerator == 2
