"""Holes found from outside in the worklist and the daily roll call (each test fails until it is fixed).

1. ``?on=`` at the edge of the calendar answers 500 (page, API and xlsx).
2. A roll call may be recorded for any past day, even year 1 (before the patient was registered and
   outside any sensitive period), by any role allowed to roll-call (a village cadre included).
3. The worklist told roles without clinical rights a patient's condition class: the interval in
   "定期随访：每周1次" and the due date both follow the class of the last visit (2018规范: stable every
   3 months, unstable every 2 weeks; 中梁乡2022: weekly = 病情不稳定, every 15 days = 基本稳定), so two
   patients who differ only in condition class read differently to police, cadres and the township
   office -- the very fact the statistics withhold (stats.permissions.CLINICAL_KPIS). Now they receive
   a schedule item only when its rule asks for their part (a joint visit), in plain words.
"""

import datetime as dt
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from conftest import id_for
from jingfang.accounts import roles
from jingfang.core import clock, errors
from jingfang.followups import services, wording, worklist
from jingfang.followups.models import RollCall
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db
TODAY = clock.today()


# 1. ?on= at the edge of the calendar ---------------------------------------------------------------

@pytest.mark.parametrize("url", ["/worklist/", "/api/v1/worklist", "/worklist/export.xlsx"])
@pytest.mark.parametrize("on", ["0001-01-01", "9999-12-31"])
def test_worklist_on_the_edges_of_the_calendar_is_not_a_server_error(users, url, on):
    client = Client(raise_request_exception=False)
    client.force_login(users["doctor"])
    response = client.get(f"{url}?on={on}")
    assert response.status_code == 422
    body = response.json()["errors"][0]["message"] if url.startswith("/api/") else response.content.decode()
    assert "应在1900-01-01至2100-12-31之间" in body


# 2. Roll calls dated anywhere in the past ------------------------------------------------------------

@pytest.fixture
def key_person(make_patient):
    p = make_patient("990102001001", name="点名对象")
    Patient.objects.filter(pk=p.pk).update(key_person=True, registered_on=TODAY - dt.timedelta(days=30))
    p.refresh_from_db()
    return p


@pytest.fixture
def sensitive_period(db):
    """A county-wide sensitive period from before the key person's registration to today."""
    from jingfang.followups.models import SensitivePeriod

    return SensitivePeriod.objects.create(region_id="990102000000", name="敏感时期",
                                          start=TODAY - dt.timedelta(days=60), end=TODAY)


def test_a_roll_call_before_the_patient_was_registered_is_refused(users, key_person, sensitive_period):
    before = key_person.registered_on - dt.timedelta(days=1)  # inside the period: only registration refuses it
    with pytest.raises(errors.Invalid) as refused:
        services.record_roll_call(users["cadre"], key_person, before, "absent", "家属称其昨晚离家未归")
    assert [(e.field, e.message) for e in refused.value.errors] == [("date", "点名日期不能早于建档日期")]
    # The same key person on a day of the period after registration is called.
    call = services.record_roll_call(users["cadre"], key_person, key_person.registered_on, "absent")
    assert call.result == "absent"


def test_the_roll_call_page_refuses_a_day_in_year_one(client, users, key_person):
    client.force_login(users["cadre"])
    response = client.post(f"/worklist/rollcall/{key_person.pk}/", {"on": "0001-01-01", "result": "absent"})
    assert response.status_code == 422
    assert not RollCall.objects.filter(patient=key_person, date=dt.date(1, 1, 1)).exists()


# 3. The condition class read from the follow-up interval -------------------------------------------

def _visit(user, patient, days_ago, **extra):
    return services.record_followup(user, patient, {
        "date": (TODAY - dt.timedelta(days=days_ago)).isoformat(), "mode": "home_visit", "seen": "on",
        "risk_level": 0, "insight": "full", "social_function": "good", "adherence": "regular",
        "adverse_reaction": "none", "physical_illness": "none", **extra})


NON_HEALTH = ("police", "cadre", "office", "civil", "dpf", "judicial")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')


def _set_policy(tree, name):
    from jingfang.followups import engine

    tree["t1"].policy = name
    tree["t1"].save()
    engine.clear_caches()


def _normal(text: str, pk: int) -> str:
    """A page without what differs between two renderings of the same thing: the CSRF token and the
    patient's database id."""
    return re.sub(rf"(?<=/){pk}(?=/)", "PK", CSRF.sub("", text))


def _xlsx_rows(response, pk):
    if response.status_code != 200:
        return response.status_code
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return [[_normal(str(c), pk) for c in row] for row in rows[2:]]  # past the title and who/when lines


def _due_list(html: str) -> str:
    """The "随访与待办" list of a patient's follow-up fragment (without the visits' table)."""
    return html.split("<h2>随访与待办", 1)[1].split('<div class="table-wrap">', 1)[0]


def _answers(client, users, make_patient, role, visit: dict, id_number: str, *, whole_file: bool) -> dict:
    """What ``role`` is told of its due work, today and on a past day, once one patient was registered
    and visited 10 days ago with ``visit``'s answers. Everything is rolled back afterwards, so that a second call
    sees the same world with another patient in it (same name, ID number and village)."""
    from django.db import transaction

    user = users[role]
    client.force_login(user)
    with transaction.atomic():
        p = make_patient("990102001001", name="对照者", id_number=id_number)
        Patient.objects.filter(pk=p.pk).update(registered_on=TODAY - dt.timedelta(days=400))
        p.refresh_from_db()
        _visit(users["doctor"], p, 10, **visit)
        out = {}
        for on in (TODAY, TODAY - dt.timedelta(days=1)):  # stored rows (SQL) and recomputed (Python)
            q = f"on={on.isoformat()}&horizon=92"
            page = worklist.page_for(user, on, horizon=92) if roles.can(user.role, roles.VIEW_WORKLIST) else None
            out[on] = {
                "items": [(i.kind, i.state, i.due_date, i.reason, i.mode, i.escalations, i.notes, i.rule_id, i.grade)
                          for i in worklist.items_for(user, on, horizon=92)],
                "page": page and ([(i.kind, i.due_date, i.reason) for i in page.items], page.total, page.counts,
                                  page.villages, page.pages),
                "html": _normal(client.get(f"/worklist/?{q}").content.decode(), p.pk),
                "fragment": _normal(client.get(f"/worklist/?{q}", HTTP_HX_REQUEST="true").content.decode(), p.pk),
                "api": [dict(i, patient_id=None) for i in client.get(f"/api/v1/worklist?{q}").json().get("items", [])],
                "xlsx": _xlsx_rows(client.get(f"/worklist/export.xlsx?{q}"), p.pk),
            }
        followups = client.get(f"/patients/{p.pk}/followups/", HTTP_HX_REQUEST="true").content.decode()
        out["due"] = _normal(_due_list(followups), p.pk)
        out["due_items"] = [(i.kind, i.due_date, i.reason, i.escalations) for i in
                            worklist.due_for_role(user.role, p.due_items.order_by("due_date"))]
        if whole_file:  # the patients differ only in condition class: their visits read alike too
            out["followups"] = _normal(followups, p.pk)
        if not roles.sees_clinical(user.role):  # no next due date in the file (it follows the class)
            pages = [client.get(f"/patients/{p.pk}/").content.decode(), client.get("/patients/").content.decode()]
            assert "对照者" in pages[1] and not [html for html in pages if "下次随访" in html]
            body = client.get(f"/api/v1/patients/{p.pk}").json()
            rows = client.get("/api/v1/patients").json()["items"]
            assert body["name"] == "对照者" and not [r for r in [body, *rows] if "next_due_date" in r]
        transaction.set_rollback(True)
    return out


UNSTABLE = {"condition_override": "unstable", "condition_override_reason": "症状波动"}
PAIRS = [  # (profile, one visit, the other, do they differ only in a clinical fact?)
    ("national-2018", {}, UNSTABLE, True),  # 3 months vs 2 weeks
    ("national-2018", {}, {"risk_level": 2}, False),  # stable vs basically stable: 3 months vs 2 weeks
    ("zhongliang-2022", {}, UNSTABLE, True),  # every visit by 3 team members ("joint"): quarterly vs weekly
    ("qiyunshan-2024", {}, {"risk_level": 3}, False),  # 3 months vs 2 weeks, neither rule joint
]


@pytest.mark.parametrize("profile,one,other,whole_file", PAIRS)
@pytest.mark.parametrize("who", NON_HEALTH)
def test_two_patients_differing_only_in_condition_read_alike_to_non_health_roles(
        client, users, tree, make_patient, who, profile, one, other, whole_file):
    _set_policy(tree, profile)
    id_number = id_for()
    a = _answers(client, users, make_patient, who, one, id_number, whole_file=whole_file)
    b = _answers(client, users, make_patient, who, other, id_number, whole_file=whole_file)
    for key in a:
        assert a[key] == b[key], key
    # ... while the health staff are told apart (the test would catch the difference).
    da = _answers(client, users, make_patient, "doctor", one, id_number, whole_file=False)
    db = _answers(client, users, make_patient, "doctor", other, id_number, whole_file=False)
    assert da[TODAY]["items"] != db[TODAY]["items"]
    if roles.can(users[who].role, roles.VIEW_WORKLIST):
        assert "对照者" not in a[TODAY]["html"]  # no schedule item at all
        assert not [i for i in a[TODAY]["items"] if i[0] in wording.SCHEDULE_KINDS]
        assert a[TODAY]["page"][1] == len(a[TODAY]["api"]) == len(a[TODAY]["items"])  # counted as listed


@pytest.mark.parametrize("profile,visit", [
    ("national-2018", {**UNSTABLE, "guardian_refuses_hospital": "on"}),  # 2018规范: 村（居）委会人员、民警协助
    ("qiyunshan-2024", {"risk_level": 1}),  # 齐云山镇2024: 危险性1—2级每月联合走访
])
@pytest.mark.parametrize("who", ["police", "cadre", "office"])
def test_a_joint_visit_is_shown_to_police_and_cadres_in_plain_words(client, users, tree, make_patient, who, profile,
                                                                     visit):
    _set_policy(tree, profile)
    p = make_patient("990102001001", name="联合者")
    Patient.objects.filter(pk=p.pk).update(registered_on=TODAY - dt.timedelta(days=400))
    p.refresh_from_db()
    _visit(users["doctor"], p, 10, **visit)
    (theirs,) = [i for i in worklist.items_for(users["doctor"], TODAY, horizon=92) if i.patient_id == p.pk
                 and i.kind == "followup"]
    assert theirs.mode == "joint" and theirs.rule_id in worklist.joint_rule_ids()
    (item,) = [i for i in worklist.items_for(users[who], TODAY, horizon=92) if i.patient_id == p.pk]
    assert (item.kind, item.reason, item.due_date, item.mode) == ("followup", wording.JOINT_WORDING,
                                                                 theirs.due_date, "joint")
    assert item.rule_id == "" and item.escalations == [] and item.notes == [] and item.grade == ""
    client.force_login(users[who])
    (api,) = [i for i in client.get("/api/v1/worklist?horizon=92").json()["items"] if i["patient_id"] == p.pk]
    assert api["reason"] == wording.JOINT_WORDING and api["due_date"] == theirs.due_date.isoformat()
    (row,) = [r for r in client.get("/worklist/?horizon=92").content.decode().split("<tr>") if "联合者" in r]
    assert wording.JOINT_WORDING in row and theirs.due_date.isoformat() in row and "（联合）" in row
    fragment = _due_list(client.get(f"/patients/{p.pk}/followups/", HTTP_HX_REQUEST="true").content.decode())
    assert wording.JOINT_WORDING in fragment and theirs.due_date.isoformat() in fragment
    for text in (row, fragment, str(api)):
        for word in ("病情", "危险性1", "每2周", "每月", "随访1次", "2018规范", "齐云山镇2024", ":unstable", "risk_1_2",
                     *theirs.escalations, *theirs.notes):
            assert word not in text, word


def test_missing_patients_stay_on_the_worklist_of_non_health_roles_without_the_follow_up(users, make_patient):
    from jingfang.followups import engine
    from jingfang.policies.profiles import load_profile

    p = make_patient("990102001001", name="走失者")
    Patient.objects.filter(pk=p.pk).update(registered_on=TODAY - dt.timedelta(days=400))
    p.refresh_from_db()
    _visit(users["doctor"], p, 3, **UNSTABLE)
    Patient.objects.filter(pk=p.pk).update(status="missing", status_since=TODAY - dt.timedelta(days=2))
    p.refresh_from_db()
    engine.refresh(p)
    note = load_profile("national-2018").followup.missing_note
    (doctor,) = [i for i in worklist.items_for(users["doctor"], TODAY, kind="followup") if i.patient_id == p.pk]
    assert note in doctor.escalations
    assert not [i for i in worklist.items_for(users["doctor"], TODAY) if i.kind == "missing"]
    for who in ("police", "cadre", "office"):
        (item,) = [i for i in worklist.items_for(users[who], TODAY) if i.patient_id == p.pk]
        assert (item.kind, item.reason, item.due_date, item.state) == (
            "missing", note, TODAY - dt.timedelta(days=2), "overdue")
        page = worklist.page_for(users[who], TODAY)
        assert page.total == 1 and page.counts["overdue"] == 1


def test_a_roll_call_of_a_patient_who_is_not_a_key_person_outside_any_period_is_refused(users, make_patient):
    p = make_patient("990102001001", name="非重点者")
    assert not p.key_person
    with pytest.raises(errors.Invalid):
        services.record_roll_call(users["cadre"], p, TODAY, "absent")
    alerts = [i for i in worklist.items_for(users["police"], TODAY, kind="roll_call_alert") if i.patient_id == p.pk]
    assert alerts == []


def test_inside_a_sensitive_period_only_key_persons_are_called(users, make_patient, key_person, sensitive_period):
    ordinary = make_patient("990102001001", name="非重点者")
    with pytest.raises(errors.Invalid) as refused:
        services.record_roll_call(users["cadre"], ordinary, TODAY, "absent")
    assert refused.value.errors[0].field == "date" and "重点人员" in refused.value.errors[0].message
    assert services.record_roll_call(users["cadre"], key_person, TODAY, "present").result == "present"


# 4. A day's roll call overwritten by anyone; its note shown nowhere --------------------------------------

@pytest.fixture
def called(users, key_person, sensitive_period):
    """The key person called 不在控 today by the village cadre, with a note."""
    User = type(users["cadre"])
    User.objects.filter(pk=users["cadre"].pk).update(first_name="张网格")
    users["cadre"].refresh_from_db()
    return services.record_roll_call(users["cadre"], key_person, TODAY, "absent", "家属称其昨晚离家未归")


def test_another_users_roll_call_of_the_same_day_is_refused(client, users, key_person, called):
    from jingfang.audit.models import AuditEvent

    with pytest.raises(errors.Conflict) as refused:
        services.record_roll_call(users["police"], key_person, TODAY, "present", "已见到")
    message = refused.value.errors[0].message
    assert "张网格" in message and "不在控" in message and TODAY.isoformat() in message
    client.force_login(users["police"])
    response = client.post(f"/worklist/rollcall/{key_person.pk}/", {"on": TODAY.isoformat(), "result": "present"})
    assert response.status_code == 409 and "张网格" in response.content.decode()
    call = RollCall.objects.get(patient=key_person, date=TODAY)
    assert (call.result, call.note, call.recorded_by_id) == ("absent", "家属称其昨晚离家未归", users["cadre"].pk)
    assert AuditEvent.objects.filter(user_id=users["police"].pk, action="update", outcome="denied",
                                     target=f"rollcall:{TODAY.isoformat()}").count() == 2
    # The same answer again (a retried request) changes nothing and is not refused.
    again = services.record_roll_call(users["police"], key_person, TODAY, "absent", "家属称其昨晚离家未归")
    assert again.recorded_by_id == users["cadre"].pk


@pytest.mark.parametrize("who", ["cadre", "doctor", "vdoc", "office"])
def test_the_recorder_health_staff_and_the_office_correct_a_roll_call_with_before_and_after(users, key_person,
                                                                                            called, who):
    from jingfang.audit.models import AuditEvent

    call = services.record_roll_call(users[who], key_person, TODAY, "present", "已找到，在家")
    assert (call.result, call.note, call.recorded_by_id) == ("present", "已找到，在家", users[who].pk)
    event = AuditEvent.objects.filter(action="update", outcome="ok", patient_id=key_person.pk).latest("pk")
    assert event.user_id == users[who].pk and event.target == f"rollcall:{TODAY.isoformat()}"
    assert event.detail["before"] == {"result": "absent", "note": "家属称其昨晚离家未归",
                                      "recorded_by": users["cadre"].pk}
    assert event.detail["after"] == {"result": "present", "note": "已找到，在家", "recorded_by": users[who].pk}
    assert RollCall.objects.filter(patient=key_person, date=TODAY).count() == 1


@pytest.mark.parametrize("who", ["police", "office", "cadre", "doctor"])
def test_the_days_roll_calls_are_listed_with_result_note_and_recorder(client, users, key_person, called, who):
    client.force_login(users[who])
    html = client.get("/worklist/").content.decode()
    section = html.split('id="rollcalls"', 1)[1].split("</section>", 1)[0]
    assert "当日点名记录（1）" in section
    for text in ("点名对象", "不在控", "家属称其昨晚离家未归", "张网格"):
        assert text in section, text
    (alert,) = [i for i in worklist.items_for(users[who], TODAY, kind="roll_call_alert")]
    assert alert.notes == [f"{TODAY:%m-%d}点名记录人：张网格；说明：家属称其昨晚离家未归"]
    (row,) = [r for r in html.split("<tr>") if '<td data-label="事项">点名异常' in r]
    assert "家属称其昨晚离家未归" in row and "张网格" in row


def test_a_roll_call_out_of_the_jurisdiction_is_not_listed(client, users, called):
    client.force_login(users["doctor2"])  # the other township
    assert 'id="rollcalls"' not in client.get("/worklist/").content.decode()


# 4. A patient's follow-up list told the same by its dates --------------------------------------------

@pytest.mark.parametrize("who", NON_HEALTH)
def test_the_follow_up_list_gives_non_health_roles_no_visit_dates(client, users, make_patient, who):
    """How often a patient is visited follows the condition class (stable every 3 months, unstable every
    2 weeks): a role without clinical rights reads no visit of the file, on the page, its fragment or the API."""
    stable, unstable = make_patient("990102001001", name="稳定者"), make_patient("990102001001", name="不稳定者")
    Patient.objects.filter(pk__in=(stable.pk, unstable.pk)).update(registered_on=TODAY - dt.timedelta(days=400))
    stable.refresh_from_db()
    unstable.refresh_from_db()
    _visit(users["doctor"], stable, 90)
    for days_ago in (38, 24, 10):
        _visit(users["doctor"], unstable, days_ago, condition_override="unstable", condition_override_reason="症状波动")
    dates = [(TODAY - dt.timedelta(days=d)).isoformat() for d in (90, 38, 24, 10)]
    client.force_login(users["doctor"])
    page = client.get(f"/patients/{unstable.pk}/followups/").content.decode()
    assert all(d in page for d in dates[1:])  # the health staff read them (the test would see them)
    client.force_login(users[who])
    for p in (stable, unstable):
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(f"/patients/{p.pk}/followups/", **headers)
            if not roles.can(users[who].role, roles.VIEW_PATIENTS):
                assert response.status_code in (403, 404)
                continue
            text = response.content.decode()
            assert response.status_code == 200 and "仅卫生健康人员可以查看" in text
            assert not [d for d in dates if d in text]
        api = client.get(f"/api/v1/patients/{p.pk}/followups")
        assert api.status_code == 403 and "仅卫生健康人员可以查看" in str(api.json())
    assert client.get("/api/v1/patients/999999/followups").status_code == 403  # whatever the id
