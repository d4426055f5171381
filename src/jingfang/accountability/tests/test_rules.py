"""Rules of accountability measures, table-tested against the documents:
《齐云山镇严重精神障碍患者服务管理提质增效专项行动实施方案》（2024）四、2–3 and
《关于进一步加强严重精神障碍患者管理救助工作实施方案》（平桥区，2025）三（四）."""

import datetime as dt

import pytest

from jingfang.accountability import consultation, rules
from jingfang.policies.profiles import Interval, load_profile

D = dt.date
TODAY = D(2026, 6, 30)
REVIEWED, UNREVIEWED = rules.LinkedIncident(1, True), rules.LinkedIncident(2, False)


@pytest.mark.parametrize("kind, incidents, expected, why", [
    # 齐云山镇2024 四、3: villages and units with poor service management are notified or summoned to
    # rectify: no incident is needed
    ("notice", [], [], "齐云山镇2024 四、3: 通报 for poor service management"),
    ("interview", [], [], "齐云山镇2024 四、3: 约谈 for hidden dangers"),
    # 平桥区2025 三（四）: 挂牌督办 of the places where a serious incident happened
    ("supervision", [], ["incident_ids"], "平桥区2025 三（四）: 挂牌督办 rests on an incident"),
    ("supervision", [UNREVIEWED], [], "平桥区2025 三（四）: the incident is enough"),
    # 齐云山镇2024 四、3: every extreme incident is reviewed (倒查), then responsibility pursued
    ("liability", [], ["incident_ids"], "齐云山镇2024 四、3: 责任追究 rests on an incident"),
    ("liability", [UNREVIEWED], ["incident_ids"], "齐云山镇2024 四、3: 倒查 first"),
    ("liability", [REVIEWED, UNREVIEWED], ["incident_ids"], "齐云山镇2024 四、3: every linked incident reviewed"),
    ("liability", [REVIEWED], [], "齐云山镇2024 四、3: reviewed incident"),
    ("warning", [], ["kind"], "only the four kinds the documents name"),
])
def test_what_a_measure_rests_on(kind, incidents, expected, why):
    got = rules.problems(kind, TODAY, TODAY + dt.timedelta(days=30), TODAY, incidents=incidents, inspections=0)
    assert [f for f, _ in got] == expected, why
    for _field, message in got:
        assert message and ("2024" in message or "2025" in message or kind == "warning")


@pytest.mark.parametrize("issued, deadline, expected", [
    (TODAY, TODAY, []),
    (TODAY, TODAY - dt.timedelta(days=1), ["deadline"]),
    (TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=9), ["issued_on"]),
])
def test_dates(issued, deadline, expected):
    assert [f for f, _ in rules.problems("notice", issued, deadline, TODAY, incidents=[], inspections=0)] == expected


@pytest.mark.parametrize("profile, kind, days", [
    # no norm fixes a rectification deadline: the system's defaults in national-2018.toml, inherited
    ("national-2018", "notice", 30),
    ("national-2018", "interview", 30),
    ("national-2018", "supervision", 60),
    ("national-2018", "liability", 90),
    ("qiyunshan-2024", "interview", 30),
    ("pingqiao-2025", "supervision", 60),
])
def test_default_deadline_from_the_profile(profile, kind, days):
    acc = load_profile(profile).accountability
    assert rules.default_deadline(kind, TODAY, acc) == TODAY + dt.timedelta(days=days)


def test_no_default_without_the_profile_key():
    assert rules.default_deadline("notice", TODAY, None) is None


@pytest.mark.parametrize("deadline, closed_on, on, state", [
    (D(2026, 6, 30), None, D(2026, 6, 30), "open"),
    (D(2026, 6, 30), None, D(2026, 7, 1), "overdue"),
    (D(2026, 6, 30), D(2026, 6, 30), D(2026, 7, 5), "closed"),
    (D(2026, 6, 30), D(2026, 7, 2), D(2026, 7, 5), "closed_late"),
    (D(2026, 6, 30), D(2026, 7, 2), D(2026, 7, 1), "overdue"),  # as it stood before the closing
])
def test_state_on(deadline, closed_on, on, state):
    assert rules.state_on(deadline, closed_on, on) == state


@pytest.mark.parametrize("closed_on, text, expected", [
    (TODAY, "已整改", []),
    (TODAY, " ", ["closing_text"]),
    (D(2026, 1, 1), "已整改", ["closed_on"]),
    (TODAY + dt.timedelta(days=1), "已整改", ["closed_on"]),
])
def test_close_problems(closed_on, text, expected):
    assert [f for f, _ in rules.close_problems(D(2026, 6, 1), closed_on, TODAY, text)] == expected


def test_on_time_rate():
    """按期整改率: of the measures whose deadline has passed or that were closed, those closed in time."""
    rows = [
        rules.Row("notice", D(2026, 5, 1), D(2026, 5, 31), D(2026, 5, 20)),  # closed in time
        rules.Row("interview", D(2026, 5, 1), D(2026, 5, 31), D(2026, 6, 5)),  # closed late
        rules.Row("supervision", D(2026, 5, 1), D(2026, 6, 10), None),  # overdue
        rules.Row("liability", D(2026, 6, 1), D(2026, 8, 30), None),  # open, not yet due: not counted
        rules.Row("notice", D(2026, 7, 1), D(2026, 7, 30), None),  # issued after the day: not counted at all
    ]
    s = rules.summary(rows, TODAY)
    assert (s.total, s.open, s.overdue, s.closed, s.closed_late) == (4, 1, 1, 1, 1)
    assert (s.on_time_numerator, s.on_time_denominator) == (1, 3)
    assert s.on_time_display == "33.3%"
    assert s.by_kind == {"notice": 1, "interview": 1, "supervision": 1, "liability": 1}
    assert rules.summary([], TODAY).on_time_display == "—"


@pytest.mark.parametrize("day, every, start", [
    # 齐云山镇2024 四、2: 每季度联合会商调度: the quarter of the meeting, up to the meeting's day
    (D(2026, 5, 20), "3m", D(2026, 4, 1)),
    (D(2026, 12, 31), "3m", D(2026, 10, 1)),
    (D(2026, 3, 1), "1m", D(2026, 3, 1)),
    (D(2026, 3, 10), "10d", D(2026, 3, 1)),  # not a calendar period: the interval ending on the day
])
def test_consultation_period(day, every, start):
    period = consultation.calendar_period(day, Interval.parse(every))
    assert (period.start, period.end) == (start, day)
