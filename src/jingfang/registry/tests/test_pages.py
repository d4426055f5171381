"""The patient pages: scoping, field visibility, editing with optimistic locking, export, reveal."""

import io

import pytest
from openpyxl import load_workbook

from jingfang.audit.models import AuditEvent
from jingfang.registry.models import Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(make_patient):
    """One patient in village 甲村 (990102001001) and one in 乙村 (990102001002), both township 东镇."""
    return make_patient("990102001001", name="甲患者"), make_patient("990102001002", name="乙患者")


def as_user(client, user):
    client.force_login(user)
    return client


PATIENT_PAGES = [
    ("get", "/patients/{pk}/"),
    ("get", "/patients/{pk}/edit/"),
    ("get", "/patients/{pk}/status/"),
    ("post", "/patients/{pk}/reveal/"),
    ("post", "/patients/{pk}/edit/"),
    ("post", "/patients/{pk}/status/"),
]


@pytest.mark.parametrize("method,url", PATIENT_PAGES)
@pytest.mark.parametrize(
    "who",
    ["doctor2", "outsider", "vdoc"],  # another township; another county; a village doctor of the other village
)
def test_out_of_jurisdiction_is_404_like_missing_and_audited(client, users, two, who, method, url):
    target = two[1]  # 乙村: outside vdoc's village 甲村, outside doctor2's township, outside outsider's county
    as_user(client, users[who])
    out = getattr(client, method)(url.format(pk=target.pk))
    missing = getattr(client, method)(url.format(pk=999999))
    assert out.status_code == missing.status_code == 404
    assert out.content == missing.content
    assert AuditEvent.objects.filter(patient_id=target.pk, outcome="denied", username=users[who].username).exists()
    target.refresh_from_db()
    assert target.version == 1  # nothing written


@pytest.mark.parametrize(
    "who,sees",
    [
        ("county", {"甲患者", "乙患者"}),
        ("doctor", {"甲患者", "乙患者"}),
        ("office", {"甲患者", "乙患者"}),
        ("police", {"甲患者", "乙患者"}),
        ("vdoc", {"甲患者"}),
        ("cadre", {"甲患者"}),
        ("doctor2", set()),
        ("outsider", set()),
    ],
)
def test_list_shows_exactly_the_jurisdiction(client, users, two, who, sees):
    as_user(client, users[who])
    html = client.get("/patients/").content.decode()
    shown = {name for name in ("甲患者", "乙患者") if name in html}
    assert shown == sees
    assert AuditEvent.objects.filter(username=users[who].username, action="list").exists()


def test_admin_role_has_no_patient_pages(client, users, two):
    as_user(client, users["admin"])
    assert client.get("/patients/").status_code == 403
    assert client.get(f"/patients/{two[0].pk}/").status_code == 403


@pytest.mark.parametrize("who", ["police", "office", "civil", "dpf", "judicial", "cadre"])
def test_non_health_roles_never_see_clinical_fields(client, users, two, who):
    as_user(client, users[who])
    html = client.get(f"/patients/{two[0].pk}/").content.decode()
    assert "甲患者" in html
    for clinical in ("诊断与治疗", "精神分裂症", "确诊医院", "临床备注"):
        assert clinical not in html
    listing = client.get("/patients/").content.decode()
    assert "病情" not in listing


def test_health_roles_see_clinical_fields(client, users, two):
    as_user(client, users["vdoc"])
    html = client.get(f"/patients/{two[0].pk}/").content.decode()
    assert "精神分裂症" in html and "诊断与治疗" in html


def test_identifiers_masked_until_revealed_and_reveal_is_audited(client, users, two):
    p = two[0]
    as_user(client, users["doctor"])
    html = client.get(f"/patients/{p.pk}/").content.decode()
    assert p.id_number not in html and "13800001234" not in html
    assert p.id_number[:3] + "*" * 11 + p.id_number[-4:] in html
    assert "138****1234" in html
    shown = client.post(f"/patients/{p.pk}/reveal/").content.decode()
    assert p.id_number in shown and "13800001234" in shown and "13900004321" in shown
    assert AuditEvent.objects.filter(action="reveal", patient_id=p.pk, outcome="ok").count() == 1
    as_user(client, users["judicial"])
    refused = client.post(f"/patients/{p.pk}/reveal/")
    assert refused.status_code == 403 and p.id_number not in refused.content.decode()
    assert AuditEvent.objects.filter(action="reveal", outcome="denied", username=users["judicial"].username).exists()


def _edit_post(client, patient, **changes):
    """The edit page's form as a browser would submit it, with ``changes`` typed in."""
    page = client.get(f"/patients/{patient.pk}/edit/")
    data = {}
    forms = [("", page.context["form"])] + [
        (f"guardians-{i}-", gf) for i, gf in enumerate(page.context["formset"].forms)
    ]
    for prefix, form in forms:
        for name in form.fields:
            value = form[name].value()
            if value in (None, False, ""):
                continue
            data[prefix + name] = "on" if value is True else value
    data.update({f"guardians-{k}": v for k, v in page.context["formset"].management_form.initial.items()})
    data.update(changes)
    return data


def test_edit_saves_and_stale_edit_is_refused_with_the_other_change(client, users, two):
    p = two[0]
    as_user(client, users["doctor"])
    mine = _edit_post(client, p, address="新址一号")
    theirs = _edit_post(client, p, phone="13711112222")
    saved = client.post(f"/patients/{p.pk}/edit/", mine)
    assert saved.status_code == 302
    refused = client.post(f"/patients/{p.pk}/edit/", theirs)
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "新址一号" in html and "现住址" in html
    p.refresh_from_db()
    assert p.address == "新址一号" and p.phone == "13800001234" and p.version == 2


def test_revision_list_names_the_changed_fields_in_words(client, users, two):
    p = two[0]
    as_user(client, users["doctor"])
    assert "建档后未修改" in client.get(f"/patients/{p.pk}/").content.decode()
    assert client.post(f"/patients/{p.pk}/edit/", _edit_post(client, p, address="新址二号")).status_code == 302
    html = client.get(f"/patients/{p.pk}/").content.decode()
    revisions = html[html.index("修改记录"):]
    assert "版本2" in revisions and "现住址" in revisions and "address" not in revisions


def test_edit_with_bad_id_number_names_the_field_and_writes_nothing(client, users, two):
    p = two[0]
    as_user(client, users["doctor"])
    data = _edit_post(client, p, id_number="110101199003071234", name="新名字")
    response = client.post(f"/patients/{p.pk}/edit/", data)
    assert response.status_code == 422
    assert "身份证号" in response.content.decode()
    p.refresh_from_db()
    assert p.name == "甲患者" and p.version == 1


def test_create_page_registers_a_patient(client, users, tree):
    from conftest import id_for

    as_user(client, users["vdoc"])
    number = id_for()
    response = client.post(
        "/patients/new/",
        {
            "name": "赵新建", "id_number": number, "phone": "13800005678", "region_code": "990102001001",
            "household_region_code": "990102001001", "address": "甲村1组", "diagnosis": "bipolar",
            "status": "at_home", "guardian-name": "赵父亲", "guardian-relation": "parent",
        },
    )
    assert response.status_code == 302
    p = Patient.objects.get(id_number=number)
    assert p.guardians.get().name == "赵父亲" and p.created_by == users["vdoc"]


def test_create_page_future_date_and_foreign_village_are_refused(client, users, tree):
    from conftest import id_for

    as_user(client, users["vdoc"])
    response = client.post(
        "/patients/new/",
        {"name": "钱未来", "id_number": id_for(), "region_code": "990102001002", "household_region_code": "990102001001",
         "address": "x", "diagnosis": "bipolar", "diagnosis_date": "2999-01-01", "status": "at_home"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "日期不能晚于今天" in html and "不在您的辖区内" in html
    assert Patient.objects.count() == 0


def test_export_is_masked_stamped_and_audited(client, users, two):
    as_user(client, users["police"])
    response = client.get("/patients/export.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    cells = [str(c) for row in wb.active.iter_rows(values_only=True) for c in row if c is not None]
    text = " ".join(cells)
    assert "甲患者" in text and "乙患者" in text
    assert two[0].id_number not in text and "精神分裂症" not in text
    assert "导出人" in text
    event = AuditEvent.objects.get(action="export", username=users["police"].username)
    assert event.detail["count"] == 2


def test_status_change_page(client, users, two):
    p = two[0]
    as_user(client, users["cadre"])
    response = client.post(
        f"/patients/{p.pk}/status/", {"status": "missing", "detail": "missing", "since": p.status_since.isoformat(), "version": 1}
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "missing" and p.key_person is True


def test_edit_page_shows_identifiers_masked_and_keeps_them_when_untouched(client, users, two):
    p = two[0]
    as_user(client, users["doctor"])
    html = client.get(f"/patients/{p.pk}/edit/").content.decode()
    assert p.id_number not in html and "13800001234" not in html and "13900004321" not in html
    response = client.post(f"/patients/{p.pk}/edit/", _edit_post(client, p, address="未动证件号"))
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.address == "未动证件号" and p.phone == "13800001234"
    assert p.guardians.get().phone == "13900004321"
    assert p.id_number.startswith("990")


def test_key_person_reason_does_not_reveal_the_condition_to_police(client, users, two):
    p = two[0]
    type(p).objects.filter(pk=p.pk).update(condition="unstable", key_person=True)
    as_user(client, users["police"])
    html = client.get(f"/patients/{p.pk}/").content.decode()
    assert "病情不稳定" not in html and "不稳定" not in html and "卫生健康部门评估认定" in html
    as_user(client, users["doctor"])
    assert "病情不稳定" in client.get(f"/patients/{p.pk}/").content.decode()


@pytest.mark.parametrize(
    "who,names",
    [("county", {"甲患者", "乙患者"}), ("doctor", {"甲患者", "乙患者"}), ("vdoc", {"甲患者"}), ("doctor2", set())],
)
def test_export_holds_exactly_the_jurisdiction(client, users, two, who, names):
    as_user(client, users[who])
    wb = load_workbook(io.BytesIO(client.get("/patients/export.xlsx").content))
    cells = {c for row in wb.active.iter_rows(values_only=True) for c in row if c}
    assert {n for n in ("甲患者", "乙患者") if n in cells} == names


def test_search_by_full_id_number_finds_and_audit_keeps_no_query_text(client, users, two):
    as_user(client, users["doctor"])
    response = client.post("/patients/", {"q": two[1].id_number})  # the query text is POSTed, never in a URL
    assert [p.pk for p in response.context["page"].object_list] == [two[1].pk]
    event = AuditEvent.objects.filter(action="search").latest("id")
    assert two[1].id_number not in str(event.detail) and two[1].id_number not in event.path
    assert event.detail["filters"] == ["q"] and event.detail["count"] == 1
