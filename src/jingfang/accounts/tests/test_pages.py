"""Login page, lockout, logout, Django admin restricted to the three administrators, audit page."""

import re

import pytest

from conftest import PASSWORD
from jingfang.audit.models import AppendOnly, AuditEvent

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_and_signs_in(client, users):
    page = client.get("/accounts/login/")
    assert "登录精防系统" in page.content.decode()
    response = client.post("/accounts/login/", {"username": users["doctor"].username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/patients/").status_code == 200
    assert AuditEvent.objects.filter(action="login", username=users["doctor"].username).exists()


def test_unknown_user_and_wrong_password_answer_identically(client, users):
    a = client.post("/accounts/login/", {"username": users["doctor"].username, "password": "wrong-pass"})
    b = client.post("/accounts/login/", {"username": "nobody-here", "password": "wrong-pass"})
    def strip(r):  # the typed username is echoed back; csrf tokens differ per response
        text = r.content.decode().replace("nobody-here", "").replace(users["doctor"].username, "")
        return re.sub(r"[A-Za-z0-9]{32,}", "", text)

    assert a.status_code == b.status_code == 401
    assert strip(a) == strip(b)
    assert AuditEvent.objects.filter(action="login_failed").count() == 2


def test_lockout_after_five_failures_even_for_the_right_password(client, users, settings):
    settings.JINGFANG_LOCKOUT_FAILURES = 5
    name = users["doctor"].username
    for _ in range(5):
        client.post("/accounts/login/", {"username": name, "password": "wrong-pass"})
    response = client.post("/accounts/login/", {"username": name, "password": PASSWORD})
    assert response.status_code == 401
    assert AuditEvent.objects.filter(action="login_failed", outcome="locked", username=name).exists()


def test_login_rotates_session_and_logout_ends_it(client, users):
    client.get("/accounts/login/")
    client.post("/accounts/login/", {"username": users["doctor"].username, "password": PASSWORD})
    first = client.session.session_key
    client.post("/accounts/logout/")
    assert client.get("/patients/").status_code == 302
    client.post("/accounts/login/", {"username": users["doctor"].username, "password": PASSWORD})
    assert client.session.session_key != first


def test_pages_require_login(client, tree):
    response = client.get("/patients/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who,allowed", [("admin", True), ("secadmin", True), ("auditor", True), ("county", False),
                                         ("doctor", False), ("office", False)])
def test_django_admin_is_for_the_three_administrators_only(client, users, who, allowed):
    user = users[who]
    user.is_staff = True  # even a staff flag set by mistake does not open admin to other roles
    user.save()
    client.force_login(user)
    response = client.get("/admin/")
    assert (response.status_code == 200) is allowed
    if allowed:
        assert "registry" not in response.content.decode()  # patient files are not in admin


@pytest.mark.parametrize("who,allowed", [("county", True), ("auditor", True), ("admin", False), ("secadmin", False),
                                         ("doctor", False), ("police", False)])
def test_audit_page_is_for_supervisors(client, users, make_patient, who, allowed):
    p = make_patient()
    client.force_login(users["doctor"])
    client.get(f"/patients/{p.pk}/")
    client.force_login(users[who])
    response = client.get(f"/audit/?patient={p.pk}")
    assert (response.status_code == 200) is allowed
    if allowed:
        assert response.context["page"].paginator.count >= 2  # created + viewed
        assert all(e.patient_id == p.pk for e in response.context["page"].object_list)


def test_audit_rows_are_append_only(users):
    event = AuditEvent.objects.create(action="view", username="x")
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(username="y")


def test_audit_page_of_one_county_does_not_show_another_countys_rows(client, users, make_user, make_patient):
    p = make_patient()
    client.force_login(users["doctor"])
    client.get(f"/patients/{p.pk}/")
    other_supervisor = make_user("county_supervisor", "other_county")
    client.force_login(other_supervisor)
    page = client.get("/audit/").context["page"]
    assert all(e.region_code in ("", "990103000000") or e.region_code.startswith("990103") for e in page.object_list)
    assert not any(e.patient_id == p.pk for e in page.object_list)
