"""The worklist: scoping, states relative to any date, filters, roll calls, export, API contract."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.core import clock, worklist_hub
from jingfang.followups import services
from jingfang.followups.models import SensitivePeriod
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db
TODAY = clock.today()


def visit(user, patient, days_ago, risk=0):
    return services.record_followup(user, patient, {
        "date": (TODAY - dt.timedelta(days=days_ago)).isoformat(), "mode": "home_visit", "seen": "on",
        "risk_level": risk, "insight": "full", "social_function": "good", "adherence": "regular",
        "adverse_reaction": "none", "physical_illness": "none",
    })


@pytest.fixture
def three(users, make_patient):
    """甲 (village v11) overdue, 乙 (village v12) due soon, 丙 (other township) overdue."""
    out = {}
    for name, code in (("甲逾期", "990102001001"), ("乙正常", "990102001002"), ("丙他镇", "990102002001")):
        p = make_patient(code, name=name)
        Patient.objects.filter(pk=p.pk).update(registered_on=TODAY - dt.timedelta(days=400))
        p.refresh_from_db()
        out[name] = p
    visit(users["doctor"], out["甲逾期"], 120)  # stable: due 3 months later -> overdue now
    visit(users["doctor"], out["乙正常"], 85)  # due within the 7-day window
    visit(users["doctor2"], out["丙他镇"], 120)
    return out


def names(response):
    return {i.patient_name for _, _, items in response.context["groups"] for i in items}


def test_township_doctor_sees_own_township_grouped_by_state(client, users, three):
    client.force_login(users["doctor"])
    r = client.get("/worklist/?kind=followup")
    groups = {state: [i.patient_name for i in items] for state, _, items in r.context["groups"]}
    assert groups["overdue"] == ["甲逾期"] and groups["due"] == ["乙正常"]
    assert "丙他镇" not in names(r)
    assert {v["name"] for v in r.context["villages"]} == {"甲村", "乙村"}
    assert AuditEvent.objects.filter(action="list", target="worklist", username=users["doctor"].username).exists()


@pytest.mark.parametrize("who,expected", [("vdoc", {"甲逾期"}), ("doctor2", {"丙他镇"}), ("county", {"甲逾期", "乙正常", "丙他镇"}),
                                          ("outsider", set())])
def test_worklist_is_scoped(client, users, three, who, expected):
    client.force_login(users[who])
    assert names(client.get("/worklist/?horizon=30")) == expected


def test_a_past_date_shows_what_was_due_then(client, users, three):
    client.force_login(users["doctor"])
    r = client.get(f"/worklist/?on={(TODAY - dt.timedelta(days=100)).isoformat()}&horizon=0")
    # 100 days ago 乙's visit (85 days ago) had not happened; 甲 had been seen 20 days before: nothing overdue
    overdue = [i.patient_name for s, _, items in r.context["groups"] if s == "overdue" for i in items]
    assert "甲逾期" not in overdue


def test_recording_a_followup_takes_the_patient_off_the_overdue_list(client, users, three):
    client.force_login(users["doctor"])
    before = client.get("/worklist/?kind=followup")
    assert "甲逾期" in [i.patient_name for s, _, items in before.context["groups"] if s == "overdue" for i in items]
    visit(users["doctor"], three["甲逾期"], 0)
    r = client.get("/worklist/?kind=followup")
    overdue = [i.patient_name for s, _, items in r.context["groups"] if s == "overdue" for i in items]
    assert "甲逾期" not in overdue


def test_yearly_health_check_is_due_from_registration(client, users, three):
    client.force_login(users["doctor"])
    r = client.get("/worklist/?kind=health_check")
    overdue = {i.patient_name for s, _, items in r.context["groups"] if s == "overdue" for i in items}
    assert overdue == {"甲逾期", "乙正常"}  # registered 400 days ago, no check recorded (2018 norms: yearly)


def test_filters_by_village_and_kind(client, users, three):
    client.force_login(users["doctor"])
    r = client.get("/worklist/?region=990102001002&horizon=30")
    assert names(r) == {"乙正常"}
    r = client.get("/worklist/?kind=roll_call")
    assert names(r) == set()


def test_sensitive_period_puts_key_persons_on_daily_roll_call(client, users, three):
    p = three["甲逾期"]
    Patient.objects.filter(pk=p.pk).update(key_person=True)
    SensitivePeriod.objects.create(region=users["county"].region, name="重大活动", start=TODAY, end=TODAY + dt.timedelta(days=3))
    client.force_login(users["cadre"])
    r = client.get("/worklist/?kind=roll_call")
    assert names(r) == {"甲逾期"}
    done = client.post(f"/worklist/rollcall/{p.pk}/", {"on": TODAY.isoformat()})
    assert "已点名" in done.content.decode()
    assert names(client.get("/worklist/?kind=roll_call")) == set()
    client.force_login(users["doctor2"])
    assert client.post(f"/worklist/rollcall/{p.pk}/").status_code == 404


def test_export_and_api(client, users, three):
    client.force_login(users["doctor"])
    wb = load_workbook(io.BytesIO(client.get("/worklist/export.xlsx?horizon=30").content))
    cells = {c for row in wb.active.iter_rows(values_only=True) for c in row if c}
    assert {"甲逾期", "乙正常", "已逾期"} <= cells and "丙他镇" not in cells
    body = client.get("/api/v1/worklist?horizon=30").json()
    items = {(i["patient_id"], i["kind"], i["state"]) for i in body["items"]}
    assert (three["甲逾期"].pk, "followup", "overdue") in items
    assert all({"patient_id", "kind", "due_date", "state", "reason"} <= set(i) for i in body["items"])
    assert client.get("/api/v1/worklist?kind=nonsense").status_code == 422
    client.force_login(users["civil"])
    assert client.get("/api/v1/worklist").status_code == 403


def test_a_provider_whose_probed_tables_hold_nothing_in_the_range_is_not_asked(users, three):
    from jingfang.followups import worklist

    calls = []

    def provider(user, lo, hi, on):
        calls.append((lo, hi))
        return []

    worklist_hub.register_provider(provider, probes=((SensitivePeriod, "region"),))
    try:
        doctor = users["doctor"]
        worklist.page_for(doctor, TODAY)
        assert calls == []  # no sensitive period set in the township: the provider is idle
        SensitivePeriod.objects.create(region_id=doctor.region_id, name="会议", start=TODAY, end=TODAY)
        worklist.page_for(doctor, TODAY)
        assert len(calls) == 1
    finally:
        worklist_hub.PROVIDERS.remove(provider)
        worklist_hub.PROBES.pop(provider)
        worklist_hub._probe_sql.cache_clear()


def test_roll_call_records_three_results_and_alerts_police_and_office(client, users, three):
    """中梁乡2022 三、2: 特殊敏感时期对重点患者实行每日点名…动态掌握患者在（失）控情况…立即报告乡综合管理小组办公室.
    不在控 at once, and 联系不上 as many times in a row as make a patient lost (national 3), put the
    patient on the worklists of everyone covering them until a roll call finds them 在控."""
    from jingfang.followups.models import RollCall
    from jingfang.regions.models import Region

    p = three["甲逾期"]
    Patient.objects.filter(pk=p.pk).update(key_person=True)
    SensitivePeriod.objects.create(region=users["county"].region, name="重大活动", start=TODAY - dt.timedelta(days=5),
                                   end=TODAY + dt.timedelta(days=3))
    client.force_login(users["cadre"])
    page = client.get("/worklist/?kind=roll_call").content.decode()
    assert 'value="absent"' in page and 'value="unreachable"' in page and 'value="present"' in page
    done = client.post(f"/worklist/rollcall/{p.pk}/", {"on": TODAY.isoformat(), "result": "absent"})
    assert "已点名：不在控" in done.content.decode()
    assert RollCall.objects.get(patient=p, date=TODAY).result == "absent"
    for who in ("police", "office", "doctor", "cadre"):
        client.force_login(users[who])
        page = client.get("/worklist/?kind=roll_call_alert").content.decode()
        assert "甲逾期" in page and "点名：不在控" in page and "派出所" in page, who
    client.force_login(users["doctor2"])  # the other township's doctor: nothing
    assert "甲逾期" not in client.get("/worklist/?kind=roll_call_alert").content.decode()

    client.force_login(users["cadre"])
    client.post(f"/worklist/rollcall/{p.pk}/", {"on": TODAY.isoformat(), "result": "present"})
    assert names(client.get("/worklist/?kind=roll_call_alert")) == set()

    # 联系不上: twice is not yet an alert, three days running is (the profile's lost_after_failed)
    RollCall.objects.filter(patient=p).delete()
    for back in (2, 1):
        RollCall.objects.create(patient=p, date=TODAY - dt.timedelta(days=back), result="unreachable")
    assert names(client.get("/worklist/?kind=roll_call_alert")) == set()
    client.post(f"/worklist/rollcall/{p.pk}/", {"on": TODAY.isoformat(), "result": "unreachable"})
    client.force_login(users["police"])
    page = client.get("/worklist/?kind=roll_call_alert").content.decode()
    assert "连续3次点名联系不上" in page

    # a profile that says what to do is quoted with its source
    Region.objects.filter(code="990102001000").update(policy="zhongliang-2022")
    from jingfang.followups import engine

    engine.clear_caches()
    page = client.get("/worklist/?kind=roll_call_alert").content.decode()
    assert "立即报告乡综合管理小组办公室" in page and "中梁乡2022，三、2" in page


def test_overdue_work_is_grouped_by_kind_visits_before_old_health_checks(client, users, three):
    """The first screen shows the visits owed, not health checks that have waited for years: within
    each state items are grouped by kind (roll calls, visits, face-to-face, deadlines, assessments,
    health checks), key persons first, then the longest waiting."""
    from jingfang.followups.models import DueItem

    p = three["甲逾期"]
    DueItem.objects.create(patient=p, region_code=p.region_id, kind="health_check",
                           due_date=TODAY - dt.timedelta(days=4000), window_start=TODAY - dt.timedelta(days=4030),
                           rule="每年健康体检1次（测试）", rule_id="t:health_check")
    client.force_login(users["doctor"])
    overdue = [i for state, _, _, items in client.get("/worklist/").context["sections"] if state == "overdue"
               for i in items]
    kinds = [i.kind for i in overdue]
    assert "followup" in kinds and "health_check" in kinds
    assert kinds.index("followup") < kinds.index("health_check")
    assert kinds == sorted(kinds, key=lambda k: ["roll_call_alert", "roll_call", "followup", "face_to_face",
                                                 "deadline", "assessment", "health_check"].index(k))


def test_roll_call_alerts_are_asked_only_when_a_roll_call_went_wrong_in_the_range_lately(users, three):
    """点名异常 is a provider like the others: its probe (a roll call found 不在控 or 联系不上 within the
    last ALERT_DAYS days, of a patient in the range) is part of the one probing statement, and its own
    queries run only when the probe finds one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jingfang.followups import worklist
    from jingfang.followups.models import RollCall

    def alert_statements(user, on=TODAY):
        with CaptureQueriesContext(connection) as ctx:
            page = worklist.page_for(user, on)
        rollcall = [q["sql"] for q in ctx.captured_queries if "followups_rollcall" in q["sql"]]
        probes = [sql for sql in rollcall if "EXISTS" in sql]
        assert len(probes) == 1  # the probe rides in the one probing statement
        return len(rollcall) - len(probes), {i.patient_name for i in page.items if i.kind == "roll_call_alert"}

    doctor, doctor2 = users["doctor"], users["doctor2"]
    p = three["甲逾期"]
    assert alert_statements(doctor) == (0, set())
    RollCall.objects.create(patient=p, date=TODAY - dt.timedelta(days=3), result="present")
    assert alert_statements(doctor) == (0, set())  # 在控: nothing to ask
    RollCall.objects.create(patient=p, date=TODAY - dt.timedelta(days=2), result="absent")
    asked, alerted = alert_statements(doctor)
    assert asked > 0 and alerted == {"甲逾期"}
    assert alert_statements(doctor2) == (0, set())  # another township's range: idle
    later = TODAY + dt.timedelta(days=worklist.ALERT_DAYS + 3)
    assert alert_statements(doctor, later) == (0, set())  # older than the alert window: idle
    RollCall.objects.create(patient=p, date=TODAY - dt.timedelta(days=1), result="present")
    asked, alerted = alert_statements(doctor)
    assert asked > 0 and alerted == set()  # found again: asked, no alert
