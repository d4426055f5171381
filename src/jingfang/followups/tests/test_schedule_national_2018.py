"""Schedule engine with the national profile: one case per rule, each citing the 2018 norms
(《严重精神障碍管理治疗工作规范（2018年版）》) or, for system defaults, saying so."""

from datetime import date

import pytest

from jingfang.followups.schedule import (
    is_lost,
    next_followup,
    not_stable_streak,
    schedule,
)
from jingfang.policies.profiles import load_profile

from . import D, check, missed, only, patient, seen

NAME = "national-2018"
P = load_profile(NAME)


FOLLOWUP_CASES = [
    pytest.param(patient(), [seen("2025-02-10", "stable")], "2025-03-01",
                 dict(due="2025-05-10", rule="stable", state="upcoming", mode=None),
                 id="2018 norms: stable -> follow up at 3 months"),
    pytest.param(patient(), [seen("2025-02-10", "basically_stable", 1)], "2025-02-20",
                 dict(due="2025-02-24", rule="basically_stable", escalation="调整治疗"),
                 id="2018 norms: basically stable -> adjust, follow up at 2 weeks"),
    pytest.param(patient(), [seen("2025-02-10", "basically_stable", 1), seen("2025-02-24", "basically_stable", 1)],
                 "2025-03-01", dict(due="2025-03-24", rule="basically_stable_persisting",
                                    escalation="请精神科医师技术指导"),
                 id="2018 norms: still not stable after adjustment -> psychiatrist guidance, 1 month"),
    pytest.param(patient(), [seen("2025-02-10", "basically_stable", 1), seen("2025-02-24", "stable")],
                 "2025-03-01", dict(due="2025-05-24", rule="stable"),
                 id="2018 norms: stabilised after adjustment -> 3 months"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 3)], "2025-02-12",
                 dict(due="2025-02-24", rule="unstable", escalation="建议转诊至精神专科医院"),
                 id="2018 norms: unstable -> refer, follow up within 2 weeks"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 4, guardian_refuses_hospital=True)], "2025-02-12",
                 dict(due="2025-02-24", rule="unstable_guardian_refuses", mode="joint",
                      escalation="联系精神专科医师进行应急医疗处置"),
                 id="2018 norms: unstable, not hospitalised -> psychiatrist, every 2 weeks with committee and police"),
    pytest.param(patient(), [seen("2025-02-10", "stable")], "2025-03-01",
                 dict(note="每年至少随访4次"), id="2018 norms: at least 4 follow-ups a year"),
    pytest.param(patient(), [seen("2025-02-10", "stable")], "2025-03-01",
                 dict(note="每次随访均应进行危险性评估"), id="2018 norms: risk assessed at every visit"),
    pytest.param(patient(), [seen("2025-02-10", "stable"), missed("2025-05-12")], "2025-05-20",
                 dict(due="2025-05-10", state="overdue"), id="failed attempt does not reset the clock"),
    pytest.param(patient(), [seen("2025-02-10", "stable"), missed("2025-05-12"), missed("2025-05-19"),
                             missed("2025-05-26", "phone")], "2025-05-27",
                 dict(due="2025-05-10", state="overdue", escalation="失访"),
                 id="2018 norms form: not reached 3 times running -> lost"),
    pytest.param(patient(), [], "2025-01-05", dict(due="2025-01-15", rule="first_visit", state="upcoming"),
                 id="system default: new patient -> first visit within 2 weeks of registration"),
    pytest.param(patient("hospitalized"), [seen("2025-02-10", "unstable", 3)], "2025-02-12",
                 dict(due="2025-02-24", rule="hospitalized", mode="phone"),
                 id="system default: hospitalised -> phone follow-up, condition interval"),
    pytest.param(patient("moved_out", pending_transfer=True), [seen("2025-02-10", "stable")], "2025-03-01",
                 dict(due="2025-05-10", rule="stable", mode="phone", note="继续电话随访"),
                 id="齐云山镇2024 三（五）3: transfer pending -> origin follows up by phone"),
    pytest.param(patient("missing"), [seen("2025-02-10", "stable")], "2025-06-01",
                 dict(due="2025-05-10", state="overdue", escalation="下落不明"),
                 id="missing -> follow-up stays overdue, search note"),
    pytest.param(patient(), [seen("2025-02-10", "stable")], "2025-05-03", dict(state="due"),
                 id="window: 7 days before a 3-month due date counts as due"),
    pytest.param(patient(), [seen("2025-02-10", "stable")], "2025-05-02", dict(state="upcoming"),
                 id="window: 8 days before is still upcoming"),
    pytest.param(patient(), [seen("2025-02-10", "stable")], "2025-05-11", dict(state="overdue"),
                 id="window: the day after the due date is overdue"),
    pytest.param(patient(), [seen("2025-02-10", "unstable", 3)], "2025-02-22", dict(state="due"),
                 id="window: 2 days before a 2-week due date counts as due"),
    pytest.param(patient(), [seen("2025-11-30", "stable")], "2025-12-01", dict(due="2026-02-28"),
                 id="calendar months: 2025-11-30 + 3 months = 2026-02-28"),
    pytest.param(patient(), [seen("2025-02-10", "stable"), seen("2025-06-01", "unstable", 5)], "2025-03-01",
                 dict(due="2025-05-10", rule="stable"), id="contacts after `on` are ignored"),
]


@pytest.mark.parametrize("state, history, on, expect", FOLLOWUP_CASES)
def test_followup_rules(state, history, on, expect):
    items = schedule(P, state, history, D(on))
    check(only(items, "followup"), NAME, **expect)


def test_yearly_health_check():
    # 2018 norms: a health check every year.
    items = schedule(P, patient(last_health_check="2024-06-30"), [seen("2025-02-10", "stable")], D("2025-06-25"))
    check(only(items, "health_check"), NAME, due="2025-06-30", rule="health_check", state="due")
    done = [seen("2025-03-01", "stable", health_check=True)]
    items = schedule(P, patient(last_health_check="2024-06-30"), done, D("2025-06-25"))
    check(only(items, "health_check"), NAME, due="2026-03-01", state="upcoming")


def test_national_has_no_face_to_face_assessment_or_roll_call():
    items = schedule(P, patient(key_person=True), [seen("2025-02-10", "stable")], D("2025-03-01"),
                     sensitive_period=True)
    assert {i.kind for i in items} == {"followup", "health_check"}


@pytest.mark.parametrize("status", ["deceased", "moved_out", "in_custody", "drug_rehab"])
def test_nothing_due(status):
    # deceased / moved out (no pending transfer): nothing; custody and compulsory drug rehab: suspended.
    assert schedule(P, patient(status), [seen("2025-02-10", "unstable", 4)], D("2025-03-01")) == []
    assert next_followup(P, patient(status), []) is None


def test_is_lost_and_streak():
    h = [seen("2025-02-10", "stable"), missed("2025-05-12"), missed("2025-05-19")]
    assert not is_lost(P, h)
    assert is_lost(P, [*h, missed("2025-05-26")])
    assert not is_lost(P, [*h, missed("2025-05-26"), seen("2025-06-01", "stable")])
    assert not_stable_streak([seen("2025-01-01", "unstable", 3), seen("2025-02-01", "basically_stable", 1),
                              missed("2025-02-15"), seen("2025-03-01", "basically_stable", 1)]) == 3


def test_next_followup_without_on_is_upcoming():
    item = next_followup(P, patient(), [seen("2025-02-10", "stable")])
    assert item.due_date == date(2025, 5, 10) and item.state == "upcoming"


def test_grades():
    from jingfang.followups.schedule import grade

    assert grade(P, condition="unstable", risk_level=1).colour == "red"
    assert grade(P, condition="basically_stable", risk_level=4).colour == "red"
    assert grade(P, condition="basically_stable", risk_level=1).colour == "orange"
    assert grade(P, condition="stable", risk_level=0, key_person=True).colour == "orange"
    assert grade(P, condition="stable", risk_level=0).colour == "green"
    assert grade(P, condition=None, risk_level=None).colour == "grey"


def test_intake_deadlines_in_working_days():
    # 2018 norms / 齐云山镇2024 三（六）3: accept within 5 working days, enter within 10, police within 5.
    from jingfang.followups.schedule import intake_deadlines
    from jingfang.followups.workdays import WorkCalendar

    cal = WorkCalendar()
    items = intake_deadlines(P, cal, D("2024-10-09"), received_on=D("2024-09-27"), address_unknown=True)
    by_rule = {i.rule_id.split(":")[1]: i for i in items}
    assert by_rule["intake_accept"].due_date == D("2024-10-10")  # across National Day, see test_workdays
    assert by_rule["intake_police_query"].due_date == D("2024-10-10")
    assert by_rule["intake_enter"].due_date == D("2024-10-16")
    assert all(i.kind == "deadline" and i.state == "due" and not i.provisional for i in items)
    # Entry counted from acceptance (Mon 09-30): 10-08 = 1, 10-09 = 2, 10-10 = 3, 10-11 = 4,
    # Sat 10-12 (调休) = 5, 10-14 = 6, 10-15 = 7, 10-16 = 8, 10-17 = 9, 10-18 = 10.
    later = intake_deadlines(P, cal, D("2024-10-19"), received_on=D("2024-09-27"), accepted_on=D("2024-09-30"))
    assert [(i.rule_id, i.due_date, i.state) for i in later] == [
        ("national-2018:intake_enter", D("2024-10-18"), "overdue")]
    future = intake_deadlines(P, cal, D("2026-12-30"), received_on=D("2026-12-30"))
    assert future[0].provisional and "尚未配置" in future[0].notes[0]
