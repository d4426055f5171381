"""The exchange table as a pure function over a hand-made history: every category, placement by the
event's own date and by where the patient lived on that date, month bounds, comparisons and diffs."""

import datetime as dt

from jingfang.exchange import table
from jingfang.exchange.table import Fact, History, Move, Person

T1, T2 = "990102001000", "990102002000"
A, B, C = "990102001001", "990102001002", "990102002001"  # A, B in T1; C in T2
MAY = dt.date(2025, 5, 1)
NAMES = {A: "甲村", B: "乙村", C: "西镇丙村"}


def d(month: int, day: int) -> dt.date:
    return dt.date(2025, month, day)


def person(pid, village=A, registered=None, name=None):
    return Person(pid, name or f"患者{pid}", f"99010219800101{pid:03d}X", village, registered or d(1, 1))


def history():
    persons = {i: person(i) for i in range(1, 13)}
    persons[2] = person(2, registered=d(5, 3))  # new in May
    persons[3] = person(3, village=C)  # moved to T2 on 5-20: listed in T1 as moved out
    persons[4] = person(4, village=A)  # moved in from T2 on 5-10
    persons[12] = person(12, village=C)  # moved away on 6-5, after May: May's events stay in T1
    moves = [
        Move(3, d(5, 20), B, C, "随子女迁居", 1),
        Move(4, d(5, 10), C, A, "", 2),
        Move(12, d(6, 5), A, C, "", 3),
    ]
    facts = [
        Fact(5, d(1, 1), "status", "at_home", seq=1), Fact(5, d(5, 7), "status", "hospitalized", seq=2),
        Fact(6, d(1, 1), "status", "hospitalized", seq=3), Fact(6, d(5, 15), "status", "at_home", seq=4),
        Fact(7, d(1, 1), "status", "at_home", seq=5), Fact(7, d(5, 30), "status", "deceased", "病故", seq=6),
        Fact(8, d(4, 1), "assessment", 1, seq=7), Fact(8, d(5, 8), "assessment", 3, seq=8),
        Fact(9, d(4, 1), "assessment", 2, seq=9), Fact(9, d(5, 9), "assessment", 1, seq=10),
        Fact(10, d(5, 2), "assessment", 4, seq=11),  # first assessment: not a change
        Fact(11, d(5, 11), "flag", ("lost", True), seq=12), Fact(11, d(5, 25), "found", seq=13),
        Fact(1, d(5, 12), "flag", ("key_person", True), "危险性评估3级及以上", seq=14),
        Fact(5, d(5, 31), "flag", ("key_person", False), seq=15),
        Fact(2, d(5, 3), "confirmed", note="疑似线索经诊断确诊建档", seq=16),
        Fact(12, d(5, 18), "incident", "肇事", seq=17),
        Fact(12, d(6, 1), "status", "hospitalized", seq=18),  # June: not in May
        Fact(1, d(4, 30), "flag", ("lost", True), seq=19),  # April: not in May
    ]
    return History(persons=persons, moves=moves, facts=facts, place_names=NAMES)


def test_every_category_from_a_hand_made_history():
    content = table.build(history(), T1, MAY, "东镇")
    by = {}
    for line in content["lines"]:
        by.setdefault(line["category"], []).append(line["patient_id"])
    assert by == {
        "new": [2], "confirmed": [2], "moved_in": [4], "moved_out": [3], "died": [7], "hospitalized": [5],
        "discharged": [6], "risk_changed": [8, 9], "risk_up3": [8], "incident": [12], "lost": [11], "found": [11],
        "key_in": [1], "key_out": [5],
    }
    assert content["counts"]["risk_changed"] == 2 and content["counts"]["risk_up3"] == 1
    assert content["month"] == "2025-05" and content["start"] == "2025-05-01" and content["end"] == "2025-05-31"
    line = next(ln for ln in content["lines"] if ln["category"] == "moved_out")
    assert line["detail"] == "迁往西镇丙村（随子女迁居）" and line["village"] == B and line["village_name"] == "乙村"
    assert "99010219800101003X" not in str(content) and line["id_number_masked"].startswith("990") and "*" in line["id_number_masked"]
    assert next(ln for ln in content["lines"] if ln["category"] == "risk_up3")["detail"] == "1级→3级"
    assert next(ln for ln in content["lines"] if ln["category"] == "died")["detail"] == "死亡（病故）"


def test_the_other_township_sees_the_other_side_of_a_move():
    content = table.build(history(), T2, MAY)
    assert [(ln["category"], ln["patient_id"]) for ln in content["lines"]] == [("moved_in", 3), ("moved_out", 4)]


def test_a_patient_who_left_after_the_month_stays_in_that_months_table():
    may = table.build(history(), T1, MAY)
    assert (("incident", 12) in {(ln["category"], ln["patient_id"]) for ln in may["lines"]})
    june = table.build(history(), T1, dt.date(2025, 6, 1))
    assert [(ln["category"], ln["patient_id"]) for ln in june["lines"]] == [("moved_out", 12)]
    assert not any(ln["patient_id"] == 12 for ln in table.build(history(), T2, MAY)["lines"])


def test_events_after_the_month_change_nothing():
    before = table.build(history(), T1, MAY)
    h = history()
    h.facts.append(Fact(8, d(6, 3), "assessment", 5, seq=99))
    h.facts.append(Fact(9, d(6, 3), "status", "deceased", seq=100))
    h.moves.append(Move(1, d(6, 20), A, C, "", 9))
    h.persons[1] = person(1, village=C)
    assert table.build(h, T1, MAY) == before


def test_one_line_per_patient_and_category_with_all_details():
    h = History(persons={1: person(1)}, facts=[
        Fact(1, d(4, 1), "assessment", 1, seq=1), Fact(1, d(5, 3), "assessment", 3, seq=2),
        Fact(1, d(5, 20), "assessment", 1, seq=3)], place_names=NAMES)
    content = table.build(h, T1, MAY)
    changed = [ln for ln in content["lines"] if ln["category"] == "risk_changed"]
    assert len(changed) == 1 and changed[0]["detail"] == "1级→3级；3级→1级" and changed[0]["date"] == "2025-05-03"


def test_compare_marks_what_changed_since_last_month():
    rows = {r["key"]: r for r in table.compare({"new": 3, "died": 1}, {"new": 1, "died": 1})}
    assert rows["new"]["delta"] == 2 and rows["new"]["changed"] and not rows["died"]["changed"]
    assert table.compare({"new": 1}, None)[0]["previous"] is None


def test_diff_lists_supplements_and_withdrawals():
    frozen = table.build(history(), T1, MAY)
    h = history()
    h.facts.append(Fact(10, d(5, 28), "assessment", 1, seq=200))  # recorded later, dated in May: 补录
    fresh = table.build(h, T1, MAY)
    changes = table.diff(frozen, fresh)
    assert [(ln["category"], ln["patient_id"]) for ln in changes["added"]] == [("risk_changed", 10)]
    assert changes["removed"] == [] and not table.same_events(frozen, fresh)
    assert table.same_events(frozen, {**frozen, "township_name": "改名"})
    marked = table.mark_supplement(fresh, changes)
    assert [ln["patient_id"] for ln in marked["lines"] if ln["supplement"]] == [10]


def test_months_parse_and_bounds():
    assert table.parse_month("2024-02") == dt.date(2024, 2, 1)
    assert table.parse_month("2024-2") is None and table.parse_month("x") is None and table.parse_month("") is None
    assert table.month_bounds(dt.date(2024, 2, 10)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert table.previous_month(dt.date(2025, 1, 15)) == dt.date(2024, 12, 1)
