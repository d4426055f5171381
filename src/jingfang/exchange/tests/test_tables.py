"""The exchange table from the real history: categories, a past month that later records leave alone,
补录 as a new version, receipts, the xlsx for signing, month-on-month differences."""

import io

import pytest
from django.apps import apps
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.core import errors
from jingfang.exchange import history, services
from jingfang.exchange.models import ExchangeTable
from jingfang.followups.models import FlagChange, SearchAttempt
from jingfang.intake import services_movement
from jingfang.regions.models import Region
from jingfang.screening.models import Lead

from .conftest import JUNE, LONG_AGO, MAY, TODAY, day

pytestmark = pytest.mark.django_db
T1 = "990102001000"


@pytest.fixture
def may(users, old_patient, make_patient, visit, status):
    """One patient per category in township 1 in May, plus one who moved to township 2 today."""
    from jingfang.registry.models import Patient, StatusChange

    doctor = users["doctor"]
    p = {}
    new = make_patient("990102001001", name="甲新登")
    Patient.objects.filter(pk=new.pk).update(registered_on=day(MAY, 3), status_since=day(MAY, 3))
    StatusChange.objects.filter(patient=new).update(since=day(MAY, 3))
    Lead.objects.create(name="甲新登", sex="M", region_id="990102001001", signs=[5], source="info_exchange",
                        found_on=day(MAY, 1), state="confirmed", concluded_on=day(MAY, 3), patient=new)
    p["new"] = new
    p["hosp"] = old_patient("乙住院")
    status(doctor, p["hosp"], "hospitalized", day(MAY, 7), detail="psychiatric_hospital")
    p["dis"] = old_patient("丙出院")
    status(doctor, p["dis"], "hospitalized", LONG_AGO + (MAY - LONG_AGO) / 2)
    status(doctor, p["dis"], "at_home", day(MAY, 15))
    p["dead"] = old_patient("丁死亡", village="990102001002")
    status(doctor, p["dead"], "deceased", day(MAY, 20), death_date=day(MAY, 20).isoformat(),
           death_cause="physical_illness")
    p["risk"] = old_patient("戊风险")
    visit(doctor, p["risk"], MAY - (MAY - LONG_AGO) / 4, risk=1)
    visit(doctor, p["risk"], day(MAY, 8), risk=3)
    p["lost"] = old_patient("己失访")
    FlagChange.objects.create(patient=p["lost"], flag="lost", value=True, date=day(MAY, 11))
    SearchAttempt.objects.create(patient=p["lost"], date=day(MAY, 25), method="home", result="found")
    p["key"] = old_patient("庚重点")
    FlagChange.objects.create(patient=p["key"], flag="key_person", value=True, date=day(MAY, 12),
                              reasons=["危险性评估3级及以上"])
    p["move"] = old_patient("辛迁出", village="990102001002")
    t = services_movement.send_transfer(doctor, p["move"], {"destination_code": "990102002000", "reason": "随子女迁居",
                                                            "sent_on": day(MAY, 16).isoformat()})
    services_movement.accept_transfer(users["doctor2"], t, {"village_code": "990102002001",
                                                           "accepted_on": day(MAY, 18).isoformat()})
    p["later"] = old_patient("壬后迁")
    status(doctor, p["later"], "hospitalized", day(MAY, 9))
    status(doctor, p["later"], "at_home", day(MAY, 26))
    t = services_movement.send_transfer(doctor, p["later"], {"destination_code": "990102002000", "reason": "投亲"})
    services_movement.accept_transfer(users["doctor2"], t, {"village_code": "990102002001"})
    try:
        incident = apps.get_model("care", "Incident")
    except LookupError:
        incident = None
    if incident is not None:
        p["incident"] = old_patient("癸肇事")
        incident.objects.create(patient=p["incident"], date=day(MAY, 21), place="集市", kind="trouble")
    return p


def categories(content) -> dict:
    out = {}
    for line in content["lines"]:
        out.setdefault(line["category"], set()).add(line["name"])
    return out


def test_categories_from_the_recorded_history(users, may):
    t, created = services.generate(users["office"], T1, MAY)
    assert created and t.version == 1 and t.generated_by == users["office"]
    got = categories(t.content)
    expected = {
        "new": {"甲新登"}, "confirmed": {"甲新登"}, "hospitalized": {"乙住院", "壬后迁"},
        "discharged": {"丙出院", "壬后迁"}, "died": {"丁死亡"}, "risk_changed": {"戊风险"}, "risk_up3": {"戊风险"},
        # 戊风险's rise to 3级 made a key person in May too (derived, dated by the visit), beside 庚重点's manual flag
        "lost": {"己失访"}, "found": {"己失访"}, "key_in": {"庚重点", "戊风险"}, "moved_out": {"辛迁出"},
    }
    if "incident" in may:
        expected["incident"] = {"癸肇事"}
    assert got == expected
    assert t.content["counts"]["hospitalized"] == 2 and t.content["counts"]["moved_in"] == 0
    # The other township sees the move from its side; the patient who moved today is not in its May.
    west = history.build(Region.objects.get(code="990102002000"), MAY)
    assert categories(west) == {"moved_in": {"辛迁出"}}
    assert AuditEvent.objects.filter(action="create", target=f"exchange_table:{t.pk}").exists()
    assert "甲新登" not in str(AuditEvent.objects.filter(target=f"exchange_table:{t.pk}").values("detail"))


def test_a_past_month_does_not_change_when_later_events_are_recorded(users, may, visit, status):
    office, doctor = users["office"], users["doctor"]
    frozen, _ = services.generate(office, T1, MAY)
    snapshot = frozen.content
    # June: more visits, a death, a hospital stay and a move, all dated after May.
    visit(doctor, may["risk"], day(JUNE, 5), risk=5)
    status(doctor, may["hosp"], "at_home", day(JUNE, 3))
    status(doctor, may["dis"], "deceased", day(JUNE, 10), death_date=day(JUNE, 10).isoformat(), death_cause="other")
    FlagChange.objects.create(patient=may["key"], flag="key_person", value=False, date=day(JUNE, 2))
    t = services_movement.send_transfer(doctor, may["new"], {"destination_code": "990102002000", "reason": "务工"})
    services_movement.accept_transfer(users["doctor2"], t, {"village_code": "990102002001"})
    again, created = services.generate(office, T1, MAY)
    assert not created and again.pk == frozen.pk and again.version == 1
    assert history.build(frozen.township, MAY) == snapshot  # regenerating gives the same content
    frozen.refresh_from_db()
    assert frozen.content == snapshot
    assert "甲新登" in {ln["name"] for ln in snapshot["lines"]}  # moved away since, still in May's lines
    june, _ = services.generate(office, T1, JUNE)
    assert categories(june.content)["died"] == {"丙出院"}


def test_a_backdated_record_becomes_a_supplement_version(client, users, may, visit):
    office = users["office"]
    v1, _ = services.generate(office, T1, MAY)
    services.record_receipt(office, v1, {"department": "police", "received_by": "某民警"})
    # Recorded today, dated in May (补录): a seen visit whose risk differs from the previous one.
    visit(users["doctor"], may["key"], day(MAY, 27), risk=0)
    visit(users["doctor"], may["key"], day(MAY, 28), risk=2)
    assert services.pending_supplement(v1)["added"]
    client.force_login(office)
    page = client.get(f"/exchange/tables/{v1.pk}/").content.decode()
    assert "有补录" in page and "生成第2版" in page
    v2, created = services.generate(office, T1, MAY)
    assert created and v2.version == 2
    added = {(ln["category"], ln["name"]) for ln in v2.supplement["added"]}
    assert added == {("risk_changed", "庚重点")}
    v1.refresh_from_db()
    assert ("risk_changed", "庚重点") not in {(ln["category"], ln["name"]) for ln in v1.content["lines"]}
    assert v1.receipts.count() == 1 and v2.receipts.count() == 0  # the signature stays with what was signed
    page = client.get(f"/exchange/tables/{v2.pk}/").content.decode()
    assert "补录" in page and "第1版" in page and "有补录" not in page
    old = client.get(f"/exchange/tables/{v1.pk}/").content.decode()
    assert "之后因补录已生成" in old and "有补录" not in old
    assert services.generate(office, T1, MAY) == (v2, False)


def test_only_ended_months_and_own_townships(users, may):
    with pytest.raises(errors.Invalid):
        services.generate(users["office"], T1, TODAY.replace(day=1))
    with pytest.raises(errors.Invalid):
        services.generate(users["office"], "990102002000", MAY)
    with pytest.raises(errors.Forbidden):
        services.generate(users["doctor"], T1, MAY)
    assert ExchangeTable.objects.count() == 0


def test_receipts_per_member_department(users, may, settings):
    office = users["office"]
    t, _ = services.generate(office, T1, MAY)
    r = services.record_receipt(office, t, {"department": "police", "received_on": TODAY.isoformat(),
                                            "received_by": "某民警", "note": "已核对"})
    assert (r.department, r.received_by, r.recorded_by) == ("police", "某民警", office)
    services.record_receipt(office, t, {"department": "police", "received_by": "某所长"})
    assert t.receipts.get().received_by == "某所长"  # corrected, not doubled
    with pytest.raises(errors.Invalid) as exc:
        services.record_receipt(office, t, {"department": "judicial", "received_by": "某"})
    assert "成员单位" in exc.value.errors[0].message  # the national profile's members have no judicial office
    with pytest.raises(errors.Invalid):
        services.record_receipt(office, t, {"department": "dpf", "received_by": ""})
    with pytest.raises(errors.Forbidden):
        services.record_receipt(users["doctor"], t, {"department": "dpf", "received_by": "某"})
    Region.objects.filter(code="990102000000").update(policy="pingqiao-2025")  # 平桥区2025 adds 司法
    from jingfang.followups import engine

    engine.clear_caches()
    assert "judicial" in services.departments_for(T1)
    services.record_receipt(office, t, {"department": "judicial", "received_by": "某司法所长"})
    assert {row["department"] for row in services.receipt_rows(t) if row["receipt"]} == {"police", "judicial"}


def test_receipt_page(client, users, may):
    t, _ = services.generate(users["office"], T1, MAY)
    client.force_login(users["office"])
    assert client.get(f"/exchange/tables/{t.pk}/receipts/").status_code == 200
    r = client.post(f"/exchange/tables/{t.pk}/receipts/", {"department": "civil_affairs", "received_by": ""})
    assert r.status_code == 422 and "签收人" in r.content.decode()
    r = client.post(f"/exchange/tables/{t.pk}/receipts/", {"department": "civil_affairs", "received_by": "某民政"})
    assert r.status_code == 302 and t.receipts.get().department == "civil_affairs"
    client.force_login(users["doctor"])
    assert client.get(f"/exchange/tables/{t.pk}/receipts/").status_code == 403


def test_xlsx_for_signing(client, users, may):
    t, _ = services.generate(users["office"], T1, MAY)
    services.record_receipt(users["office"], t, {"department": "police", "received_by": "某民警"})
    client.force_login(users["office"])
    r = client.get(f"/exchange/tables/{t.pk}/xlsx/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    cells = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    text = "\n".join(" ".join(str(c) for c in row if c is not None) for row in cells)
    assert cells[0][0] == "乡镇严重精神障碍患者管理信息交换表" and "东镇" in text and f"{MAY:%Y}年" in text
    assert "导出人" in text and "一、情况汇总" in text and "二、患者个案信息" in text and "三、成员单位签收" in text
    for label in ("综治中心", "公安派出所", "民政", "卫生院", "残联"):
        assert any(row[1] == label for row in cells), label
    assert any(row[1] == "公安派出所" and row[3] == "某民警" for row in cells)
    summary = next(row for row in cells if row[1] == "住院")  # the summary comes first
    assert summary[2] == 2
    new_line = next(row for row in cells if row[2] == "甲新登")
    assert "*" in new_line[3] and new_line[3] == may["new"].id_number[:3] + "*" * 11 + may["new"].id_number[-4:]
    assert may["new"].id_number not in text
    assert AuditEvent.objects.filter(action="export", target=f"exchange_table:{t.pk}").exists()
    client.force_login(users["judicial"])
    assert client.get(f"/exchange/tables/{t.pk}/xlsx/").status_code == 403


def test_month_on_month_differences_are_highlighted(client, users, may, status):
    office = users["office"]
    services.generate(office, T1, MAY)
    status(users["doctor"], may["dis"], "hospitalized", day(JUNE, 4))
    june, _ = services.generate(office, T1, JUNE)
    rows, source = services.summary_rows(june)
    rows = {r["key"]: r for r in rows}
    assert "上月已生成" in source
    assert (rows["hospitalized"]["count"], rows["hospitalized"]["previous"], rows["hospitalized"]["delta"]) == (1, 2, -1)
    assert rows["hospitalized"]["changed"] and not rows["moved_in"]["changed"]
    client.force_login(users["office"])
    ws = load_workbook(io.BytesIO(client.get(f"/exchange/tables/{june.pk}/xlsx/").content)).active
    summary = [r for r in ws.iter_rows(max_col=5) if isinstance(r[0].value, int) and r[2].value is not None]
    deltas = {r[1].value: r[4] for r in reversed(summary)}  # section one comes first
    assert deltas["住院"].value == -1 and isinstance(deltas["住院"].value, int)  # a number, not the text '-1
    assert deltas["住院"].number_format == "+0;-0;0"
    client.force_login(users["doctor"])  # the health centre reads the tables
    page = client.get(f"/exchange/tables/{june.pk}/").content.decode()
    assert "card changed" in page and "上月 2" in page


def test_the_months_page(client, users, may):
    client.force_login(users["office"])
    page = client.get("/exchange/").content.decode()
    assert "未生成" in page and "综治中心、公安派出所、民政、卫生院、残联" in page and "齐云山镇2024" in page and "seeds/" not in page
    r = client.post("/exchange/tables/generate/", {"township": T1, "month": f"{MAY:%Y-%m}"})
    t = ExchangeTable.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/exchange/tables/{t.pk}/"
    assert "第1版" in client.get("/exchange/").content.decode()
    r = client.post("/exchange/tables/generate/", {"township": T1, "month": f"{TODAY:%Y-%m}"}, follow=True)
    assert "已结束" in r.content.decode()
    client.force_login(users["doctor"])
    assert client.post("/exchange/tables/generate/", {"township": T1, "month": f"{MAY:%Y-%m}"}).status_code == 403
    client.force_login(users["county"])  # several townships: one at a time
    page = client.get("/exchange/?township=990102002000")
    assert page.context["township"].code == "990102002000" and "第1版" not in page.content.decode()
    assert "第1版" in client.get(f"/exchange/?township={T1}").content.decode()


def test_a_move_accepted_before_the_month_but_recorded_later(users, old_patient, status):
    import datetime as dt

    p = old_patient("陈早迁")
    sent = services_movement.send_transfer(users["doctor"], p, {"destination_code": "990102002000", "reason": "迁居",
                                                                "sent_on": (MAY - dt.timedelta(days=15)).isoformat()})
    services_movement.accept_transfer(users["doctor2"], sent, {"village_code": "990102002001",
                                                              "accepted_on": (MAY - dt.timedelta(days=10)).isoformat()})
    status(users["doctor2"], p, "hospitalized", day(MAY, 9))
    west = history.build(Region.objects.get(code="990102002000"), MAY)
    east = history.build(Region.objects.get(code=T1), MAY)
    assert categories(west) == {"hospitalized": {"陈早迁"}} and categories(east) == {}


def test_a_visit_raising_risk_enters_the_key_persons_in_its_own_month(users, old_patient, visit):
    """A risk of 3 or more makes a key person (2018 norms): recorded a few days after the month ended,
    the visit of that month still counts under 升至3级及以上 and 纳入重点人员 of the same table."""
    patient = old_patient("壬升级")
    visit(users["doctor"], patient, day(MAY, 20), risk=0)
    visit(users["doctor"], patient, day(JUNE, 20), risk=4)
    june, _ = services.generate(users["office"], T1, JUNE)
    found = categories(june.content)
    assert "壬升级" in found["risk_up3"] and "壬升级" in found["key_in"]
    assert june.content["counts"]["key_in"] >= 1
