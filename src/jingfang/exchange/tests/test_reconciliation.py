"""A department's own list against ours: a messy real-world-shaped sheet, the mapping chosen once and
remembered, theirs-only / ours-only / disagreements, resolutions kept, upload limits."""

import datetime as dt

import pytest
from openpyxl import Workbook

from jingfang.accounts.services import issue_token
from jingfang.audit.models import AuditEvent
from jingfang.core import errors, idnumber
from jingfang.exchange import matching, services_recon, sheet
from jingfang.exchange.models import ColumnMapping, ReconciliationLine, ReconciliationRun, Resolution
from jingfang.registry.models import Patient
from jingfang.screening.models import Lead

from .conftest import TODAY, api
from .sheets import excel_number, fullwidth, messy, plain, upload_file

pytestmark = pytest.mark.django_db
STRANGER = idnumber.make("110101", dt.date(1990, 3, 7), 123, "M")  # valid, registered nowhere


@pytest.fixture
def ours(users, make_patient, visit):
    from conftest import id_for

    p = {
        "wang": make_patient("990102001001", name="王测试"),
        "li": make_patient("990102001001", name="李数字", id_number=id_for(dt.date(1990, 1, 1), "F"),
                           address="甲村5组"),
        "zhao": make_patient("990102001002", name="赵状态", address="乙村2组"),
        "qian": make_patient("990102001002", name="钱漏报", address="乙村8组"),
        "sun": make_patient("990102001002", name="孙已故", address="乙村9组"),
        "west": make_patient("990102002001", name="周西镇", address="丙村1组"),
    }
    visit(users["doctor"], p["wang"], TODAY, risk=0)
    Patient.objects.filter(pk=p["sun"].pk).update(status="deceased")
    return p


def sheet_for(p, *, extra_rows=()) -> bytes:
    return messy([
        ["王 测试", "男", fullwidth(p["wang"].id_number), "甲村", "甲村3组12号", "在家", "０级"],
        None,
        ["李  数字", "女", excel_number(p["li"].id_number), "甲村", "甲村5组", "在家", ""],
        ["张外人", "男", STRANGER, "乙村", "乙村1组", "在家", "1级"],
        None,
        ["赵状态", "男", p["zhao"].id_number, "乙村", "东镇乙村2组", "住院", ""],
        ["周西镇", "男", p["west"].id_number, "丙村", "丙村1组", "在家", ""],
        *extra_rows,
    ])


def lines_by_name(run) -> dict:
    out = {}
    for line in run.lines.all():
        name = (line.theirs or {}).get("name") or (line.ours or {}).get("name")
        out[name] = line
    return out


def upload_as(client, user, content, name="东镇派出所名单.xlsx"):
    client.force_login(user)
    return client.post("/exchange/reconciliations/upload/", {"file": upload_file(content, name)})


def test_messy_sheet_first_upload_asks_for_the_mapping_then_reconciles(client, users, ours):
    r = upload_as(client, users["police"], sheet_for(ours))
    run = ReconciliationRun.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/exchange/reconciliations/{run.pk}/mapping/"
    assert run.state == "mapping" and run.department == "police" and run.township_id == "990102001000"
    assert run.header_rows == [4, 5]
    assert run.headers == ["序号", "基本信息/姓名", "基本信息/性别", "基本信息/身份证号", "现住址/村（社区）",
                           "现住址/详细地址", "管理状态", "危险性等级"]
    page = client.get(r["Location"])
    assert page.status_code == 200
    guessed = {k: f.initial for k, f in page.context["form"].fields.items()}
    assert guessed == {"id_number": "基本信息/身份证号", "name": "基本信息/姓名", "address": "现住址/详细地址",
                       "status": "管理状态", "risk_level": "危险性等级", "village": "现住址/村（社区）"}
    r = client.post(r["Location"], guessed)
    assert r.status_code == 302 and r["Location"] == f"/exchange/reconciliations/{run.pk}/"
    run.refresh_from_db()
    assert run.state == "done" and run.rows == []  # their raw cells are not kept
    assert run.counts == {"rows": 5, "agree": 1, "theirs_only": 2, "ours_only": 1, "mismatch": 2}
    lines = lines_by_name(run)
    assert set(lines) == {"李数字", "张外人", "赵状态", "周西镇", "钱漏报"}  # 王 agrees; 孙 is deceased
    li = lines["李数字"]
    assert li.kind == "mismatch" and li.patient_id == ours["li"].pk
    assert matching.LOST_DIGITS in li.warnings and "按姓名、出生日期、所在村匹配" in li.warnings
    assert [d["field"] for d in li.diffs] == ["id_number"]
    zhao = lines["赵状态"]
    assert zhao.kind == "mismatch" and [(d["field"], d["ours"], d["theirs"]) for d in zhao.diffs] == [
        ("status", "在家居住", "住院")]  # "东镇乙村2组" ends with our "乙村2组": the same address
    assert lines["张外人"].kind == "theirs_only" and lines["张外人"].theirs["id_usable"]
    west = lines["周西镇"]
    # registered in another township: the police uploader is never told (registry.disclosure); the line
    # reads like 张外人's, who is registered nowhere
    assert west.kind == "theirs_only" and west.warnings == lines["张外人"].warnings == [] and west.ours == {}
    assert lines["钱漏报"].kind == "ours_only" and lines["钱漏报"].ours["patient_id"] == ours["qian"].pk
    saved = ColumnMapping.objects.get(department="police", township_id="990102001000")
    assert saved.mapping == guessed
    page = client.get(f"/exchange/reconciliations/{run.pk}/").content.decode()
    assert "对方有我方无 2" in page and matching.LOST_DIGITS in page and ours["wang"].id_number not in page
    assert STRANGER not in page
    audit = AuditEvent.objects.filter(action="import", target=f"reconciliation:{run.pk}").get()
    assert audit.detail["rows"] == run.row_count == 6 and "张外人" not in str(audit.detail)


def test_the_mapping_is_remembered_for_the_second_upload(client, users, ours):
    first = services_recon.upload(users["police"], upload_file(sheet_for(ours)))
    services_recon.apply_mapping(users["police"], first, sheet.guess_mapping(first.headers))
    extra = [["吴新增", "女", "110101198506060022", "乙村", "乙村3组", "在家", "0"]]
    r = upload_as(client, users["police"], sheet_for(ours, extra_rows=extra))
    second = ReconciliationRun.objects.exclude(pk=first.pk).get()
    assert r.status_code == 302 and r["Location"] == f"/exchange/reconciliations/{second.pk}/"
    assert second.state == "done" and second.mapping == first.mapping and second.counts["theirs_only"] == 3
    # Another department of the same township starts from its own (no) mapping.
    other = services_recon.upload(users["civil"], upload_file(sheet_for(ours)))
    assert other.state == "mapping" and other.department == "civil_affairs"


def test_a_mapping_given_at_upload_and_bad_mappings(users, ours):
    content = plain(["姓名", "身份证号码", "家庭住址", "备注"], [["王测试", ours["wang"].id_number, "甲村3组12号", ""]])
    with pytest.raises(errors.Invalid) as exc:
        services_recon.upload(users["dpf"], upload_file(content), mapping={"name": "姓名", "id_number": "没有这列"})
    assert "没有“没有这列”这一列" in exc.value.errors[0].message
    run = services_recon.upload(users["dpf"], upload_file(content), mapping={"name": "姓名", "id_number": "身份证号码"})
    assert run.state == "done" and run.counts["agree"] == 1 and run.counts["ours_only"] == 3
    _, problems = services_recon.clean_mapping({"address": "家庭住址", "name": "家庭住址"}, ["家庭住址"])
    assert "同一列不能对应两个字段" in {p.message for p in problems}
    _, problems = services_recon.clean_mapping({"name": "姓名"}, ["姓名"])
    assert "身份证号" in problems[0].message


def test_resolutions_are_kept(client, users, ours):
    run = services_recon.upload(users["police"], upload_file(sheet_for(ours)))
    run = services_recon.apply_mapping(users["police"], run, sheet.guess_mapping(run.headers))
    lines = lines_by_name(run)
    police = users["police"]
    lead_res = services_recon.resolve(police, run, lines["张外人"], {"action": "lead", "signs": [3, 7]})
    lead = Lead.objects.get(pk=lead_res.lead_id)
    assert (lead.name, lead.source, lead.id_number, lead.region_id) == ("张外人", "info_exchange", STRANGER,
                                                                       "990102001002")
    assert "名单核对" in lead.notes and lead.reporter == police
    with pytest.raises(errors.Invalid):
        services_recon.resolve(police, run, lines["钱漏报"], {"action": "lead", "signs": [1]})
    with pytest.raises(errors.Invalid):
        services_recon.resolve(police, run, lines["钱漏报"], {"action": "note", "note": ""})
    services_recon.resolve(police, run, lines["钱漏报"], {"action": "note", "note": "对方漏报，已告知派出所补录"})
    with pytest.raises(errors.Invalid):  # a patient of another township cannot be linked
        services_recon.resolve(police, run, lines["周西镇"], {"action": "link", "patient_id": ours["west"].pk})
    client.force_login(users["office"])  # the governance office resolves any department's line
    r = client.post(f"/exchange/reconciliations/{run.pk}/lines/{lines['周西镇'].pk}/resolve/",
                    {"action": "link", "patient_id": str(ours["zhao"].pk), "note": "同一人，对方身份证号有误"})
    assert r.status_code == 302
    r = client.post(f"/exchange/reconciliations/{run.pk}/lines/{lines['周西镇'].pk}/resolve/",
                    {"action": "note", "note": "复核：确为西镇患者，对方名单有误"})
    assert r.status_code == 302
    west = ReconciliationLine.objects.get(pk=lines["周西镇"].pk)
    assert west.resolution == "note" and west.patient_id == ours["zhao"].pk
    history = list(Resolution.objects.filter(line=west).order_by("id").values_list("action", "resolved_by"))
    assert history == [("link", users["office"].pk), ("note", users["office"].pk)]
    page = client.get(f"/exchange/reconciliations/{run.pk}/?open=1").content.decode()
    assert "张外人" not in page and "李数字" in page
    assert AuditEvent.objects.filter(action="update", outcome="ok", target=f"reconciliation_line:{west.pk}").count() == 2


def test_upload_limits(client, users, ours, monkeypatch):
    police = users["police"]
    big = upload_file(b"PK\x03\x04" + b"0" * (sheet.MAX_BYTES + 1))
    r = upload_as(client, police, big.read())
    assert r.status_code == 422 and "超过5MB" in r.content.decode()
    assert "超过5MB" in client.post("/exchange/reconciliations/upload/", {"file": upload_file(b"x" * (sheet.MAX_BYTES + 10))},
                                    HTTP_HX_REQUEST="true").content.decode()
    for content, name, message in [
        (b"name,id\n", "名单.csv", "只接受 Excel .xlsx 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, "名单.xls", "另存为"),
        (b"not a zip at all", "名单.xlsx", "只接受 Excel .xlsx 文件"),
        (b"PK\x03\x04broken", "名单.xlsx", "已损坏"),
        (plain(["甲", "乙"], [["1", "2"]]), "名单.xlsx", "没有找到表头"),
        (plain([f"列{i}" for i in range(51)], []), "名单.xlsx", "超过50列"),
    ]:
        with pytest.raises(errors.Invalid) as exc:
            services_recon.upload(police, upload_file(content, name))
        assert message in exc.value.errors[0].message, name
    monkeypatch.setattr(sheet, "MAX_ROWS", 3)
    rows = [["某人", f"11010119900307{i:04d}"] for i in range(4)]
    with pytest.raises(errors.Invalid) as exc:
        services_recon.upload(police, upload_file(plain(["姓名", "身份证号"], rows)))
    assert "超过3行" in exc.value.errors[0].message
    assert ReconciliationRun.objects.count() == 0
    assert AuditEvent.objects.filter(action="import", outcome="invalid").count() >= 8


def test_only_departments_upload_and_each_sees_its_own(client, users, ours):
    run = services_recon.upload(users["police"], upload_file(sheet_for(ours)))
    with pytest.raises(errors.Forbidden):
        services_recon.upload(users["office"], upload_file(sheet_for(ours)))
    client.force_login(users["civil"])
    assert client.get(f"/exchange/reconciliations/{run.pk}/").status_code == 404
    assert "东镇派出所名单" not in client.get("/exchange/reconciliations/").content.decode()
    client.force_login(users["office"])
    assert client.get(f"/exchange/reconciliations/{run.pk}/").status_code == 200
    assert "东镇派出所名单" in client.get("/exchange/reconciliations/").content.decode()
    client.force_login(users["doctor"])
    assert client.get("/exchange/reconciliations/").status_code == 403


def test_the_api_upload_and_resolve(client, users, ours):
    police = users["police"]
    r = client.post("/api/v1/reconciliations", {"file": upload_file(sheet_for(ours))},
                    HTTP_AUTHORIZATION=f"Bearer {issue_token(police)}")
    assert r.status_code == 201 and r.json()["state"] == "mapping"
    body = r.json()
    assert body["suggested_mapping"]["id_number"] == "基本信息/身份证号"
    r = api(client, police, "post", f"/api/v1/reconciliations/{body['id']}/mapping", {"mapping": body["suggested_mapping"]})
    assert r.status_code == 200 and r.json()["state"] == "done"
    detail = api(client, police, "get", f"/api/v1/reconciliations/{body['id']}").json()
    assert detail["counts"]["mismatch"] == 2 and ours["li"].id_number not in str(detail)
    assert all("id_number" not in ln["theirs"] for ln in detail["lines"])
    line = next(ln for ln in detail["lines"] if ln["kind"] == "ours_only")
    r = api(client, police, "post", f"/api/v1/reconciliations/{body['id']}/lines/{line['id']}/resolve",
            {"action": "note", "note": "已核实"})
    assert r.status_code == 201 and r.json()["line"]["resolution"] == "note"
    assert r.json()["resolution"]["resolved_by"]
    r = api(client, police, "post", f"/api/v1/reconciliations/{body['id']}/lines/{line['id']}/resolve",
            {"action": "lead", "signs": [1]})
    assert r.status_code == 422
    listing = api(client, police, "get", "/api/v1/reconciliations").json()
    assert listing["count"] == 1 and listing["items"][0]["department"] == "police"
    assert api(client, users["civil"], "get", "/api/v1/reconciliations").json()["count"] == 0


def test_matching_details():
    assert matching.name_key("张 三") == "张三" == matching.name_key("张\u3000三")
    assert matching.risk_of("三级") == 3 and matching.risk_of("Ⅳ级") == 4 and matching.risk_of("３") == 3
    assert matching.risk_of("高") is None
    assert matching.status_of("住院治疗中") == "hospitalized" and matching.status_of("已故") == "deceased"
    lost = matching.parse_id(3.40102199001011e+17)
    assert not lost.usable and lost.birth_date.isoformat() == "1990-01-01" and lost.warnings == (matching.LOST_DIGITS,)
    assert matching.parse_id("3.40102199001011E+17").warnings == (matching.LOST_DIGITS,)
    old = matching.parse_id("110101900307123")
    assert old.usable and len(old.number) == 18 and matching.OLD_15 in old.warnings
    assert matching.parse_id("'" + fullwidth(STRANGER)).number == STRANGER
    wb_headers = sheet.combine([["序号", "基本信息", None, "危险性"], [None, "姓名", "身份证号", None]])
    assert wb_headers == ["序号", "基本信息/姓名", "基本信息/身份证号", "危险性"]
    assert Workbook  # the sheets above are built with openpyxl


@pytest.mark.parametrize("theirs, ours, same", [
    ("青山社区高街23号", "高街23号2单元101室", True),  # their list names the community, ours the flat
    ("青山社区居委会高街23号", "高街23号", True),
    ("高街２３号", "高街23号", True),  # full-width digits
    ("示范县东镇甲村3组12号", "甲村3组12号", True),  # the county and township the system knows
    ("东镇甲村 3组 12号", "3组12号", True),
    ("高街5-1-302", "高街5号", False),  # 5号 vs the building 5: a different writing is still shown
    ("高街24号", "高街23号", False),
    ("乙村2组", "甲村3组12号", False),
    ("乙村3组12号", "甲村3组12号", False),  # another village than the patient's own is a difference
])
def test_addresses_are_compared_without_place_names_width_or_unit(theirs, ours, same):
    places = matching.place_variants(["青山社区", "甲村", "东镇", "示范县"])  # the patient's village and above
    assert matching.same_address(theirs, ours, places) is same
