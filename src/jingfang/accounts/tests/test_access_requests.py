"""三员分立 and guarded access changes (security review M6).

The system administrator cannot make itself (or anyone) county supervisor: a grant is a pending
request that a security administrator other than the requester applies; nobody changes their own
role, region or active flag; every request and decision is audited with before/after and address.
"""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from conftest import PASSWORD
from jingfang.accounts import roles
from jingfang.accounts.models import AccessRequest, ApiToken, TOTPDevice, User
from jingfang.accounts.services import issue_token, on_access_changed
from jingfang.accounts.services_access import (
    AccessRefused,
    approve_access_request,
    reject_access_request,
    request_access_change,
)
from jingfang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

A, S, U = roles.ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN


# The rules: pure data ------------------------------------------------------------------------------
def test_the_three_administrators_share_no_duty_and_see_no_patient():
    perms = {r: roles.PERMISSIONS[r] for r in (A, S, U)}
    assert perms == {A: {roles.MANAGE_USERS}, S: {roles.APPROVE_ACCESS}, U: {roles.VIEW_AUDIT}}
    for r in (A, S, U):
        assert not roles.can(r, roles.VIEW_PATIENTS) and not roles.sees_clinical(r)
        assert not roles.sees_patient_data(r) and roles.is_admin_role(r)
    assert [r for r in roles.ROLES if roles.can(r, roles.APPROVE_ACCESS)] == [S]
    assert [r for r in roles.ROLES if roles.can(r, roles.MANAGE_USERS)] == [A]
    assert all(roles.sees_patient_data(r) for r in roles.ROLES if r not in roles.ADMIN_ROLES)


def _s(role="village_doctor", region="990102001001", active=True):
    return {"role": role, "region": region, "active": active}


@pytest.mark.parametrize("before,after,needed", [
    (None, _s(), True),                                            # a new user
    (_s(active=False), _s(), True),                                # reactivation
    (_s(), _s(role="county_supervisor"), True),                    # another role
    (_s(), _s(region="990102002001"), True),                       # another region
    (_s(role="admin"), _s(role="security_admin"), True),           # an administrator's role too
    (_s(role="county_supervisor"), _s(role="admin"), True),
    (_s(), _s(active=False), False),                               # taking access away
    (_s(), _s(role="county_supervisor", active=False), False),
    (_s(active=False), _s(role="police", active=False), False),
    (_s(), _s(), False),
])
def test_which_changes_need_a_second_person(before, after, needed):
    assert roles.access_change_needs_approval(before, after) is needed


# The services ----------------------------------------------------------------------------------------
@pytest.fixture
def admins(users):
    for key in ("admin", "secadmin", "auditor"):
        users[key].is_staff = True
        users[key].save()
    return users


def _ops(op):
    return list(AuditEvent.objects.filter(action="admin", detail__op=op).order_by("seq"))


def test_the_admin_cannot_make_itself_county_supervisor(admins, rf):
    admin = admins["admin"]
    request = rf.post("/admin/accounts/user/1/change/", REMOTE_ADDR="10.1.2.3")
    with pytest.raises(AccessRefused) as exc:
        request_access_change(actor=admin, user=admin, role=roles.COUNTY_SUPERVISOR, region=admin.region_id,
                              active=True, request=request)
    assert exc.value.message == "不能修改自己的角色、所属区划或启用状态"
    admin.refresh_from_db()
    assert admin.role == roles.ADMIN and not AccessRequest.objects.exists()
    refused = _ops("access_refused")
    assert len(refused) == 1 and refused[0].outcome == "denied" and refused[0].ip == "10.1.2.3"
    assert refused[0].user_id == admin.pk


def test_a_grant_waits_for_a_security_admin_then_applies_and_ends_sessions(admins, rf, client):
    admin, sec, doctor = admins["admin"], admins["secadmin"], admins["doctor"]
    client.force_login(doctor)
    token = issue_token(doctor)
    pending = request_access_change(actor=admin, user=doctor, role=roles.COUNTY_SUPERVISOR,
                                    region="990102000000", active=True,
                                    request=rf.post("/admin/", REMOTE_ADDR="10.0.0.7"))
    doctor.refresh_from_db()
    assert pending.status == AccessRequest.PENDING and pending.requested_ip == "10.0.0.7"
    assert (doctor.role, doctor.region_id) == (roles.TOWNSHIP_DOCTOR, "990102001000")  # nothing yet
    asked = _ops("access_request")[0]
    assert asked.detail["before"] == {"role": "township_doctor", "region": "990102001000", "active": True}
    assert asked.detail["after"] == {"role": "county_supervisor", "region": "990102000000", "active": True}
    assert asked.ip == "10.0.0.7" and asked.target == f"user:{doctor.pk}"

    approve_access_request(actor=sec, access_request=pending, request=rf.post("/admin/", REMOTE_ADDR="10.0.0.9"))
    doctor.refresh_from_db()
    pending.refresh_from_db()
    assert (doctor.role, doctor.region_id, doctor.is_staff) == (roles.COUNTY_SUPERVISOR, "990102000000", False)
    assert pending.status == AccessRequest.APPROVED and pending.decided_by == sec and pending.decided_ip == "10.0.0.9"
    approved = _ops("access_approve")[0]
    assert approved.user_id == sec.pk and approved.ip == "10.0.0.9"
    assert approved.detail["requested_by"] == admin.username and approved.detail["requested_ip"] == "10.0.0.7"
    assert approved.detail["before"]["role"] == "township_doctor"
    assert approved.detail["after"]["role"] == "county_supervisor"
    # the old access is gone: the web session and the API token
    assert client.get("/patients/").status_code == 302
    assert not ApiToken.objects.filter(user=doctor).exists()
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.parametrize("who,message", [
    ("admin", "只有安全管理员可以审批角色、所属区划或启用状态的变更"),
    ("auditor", "只有安全管理员可以审批角色、所属区划或启用状态的变更"),
    ("county", "只有安全管理员可以审批角色、所属区划或启用状态的变更"),
])
def test_only_a_security_admin_approves(admins, who, message):
    pending = request_access_change(actor=admins["admin"], user=admins["doctor"], role=roles.POLICE,
                                    region="990102001000", active=True)
    with pytest.raises(AccessRefused) as exc:
        approve_access_request(actor=admins[who], access_request=pending)
    assert exc.value.message == message
    pending.refresh_from_db()
    assert pending.status == AccessRequest.PENDING
    assert User.objects.get(pk=admins["doctor"].pk).role == roles.TOWNSHIP_DOCTOR


def test_a_security_admin_approves_neither_own_request_nor_own_change(admins, make_user):
    sec, sec2 = admins["secadmin"], make_user(roles.SECURITY_ADMIN, "county", "secadmin2")
    sec2.is_staff = True
    sec2.save()
    about_sec = request_access_change(actor=admins["admin"], user=sec, role=roles.COUNTY_SUPERVISOR,
                                      region="990102000000", active=True)
    with pytest.raises(AccessRefused) as exc:
        approve_access_request(actor=sec, access_request=about_sec)
    assert exc.value.message == "不能修改自己的角色、所属区划或启用状态"
    # another security administrator may apply it
    approve_access_request(actor=sec2, access_request=about_sec)
    assert User.objects.get(pk=sec.pk).role == roles.COUNTY_SUPERVISOR


def test_a_security_admin_cannot_request_and_approve(admins):
    with pytest.raises(AccessRefused) as exc:
        request_access_change(actor=admins["secadmin"], user=admins["doctor"], role=roles.COUNTY_SUPERVISOR,
                              region="990102000000", active=True)
    assert exc.value.message == "只有系统管理员可以申请变更用户的角色、所属区划或启用状态"
    assert not AccessRequest.objects.exists()


def test_the_requester_never_approves(admins, make_user):
    """Even a user who held both roles in turn: requested_by is compared, not the role."""
    admin = admins["admin"]
    pending = request_access_change(actor=admin, user=admins["doctor"], role=roles.POLICE, region="990102001000",
                                    active=True)
    User.objects.filter(pk=admin.pk).update(role=roles.SECURITY_ADMIN)
    admin.refresh_from_db()
    with pytest.raises(AccessRefused) as exc:
        approve_access_request(actor=admin, access_request=pending)
    assert exc.value.message == "不能审批自己提交的申请"


def test_a_changed_user_or_a_decided_request_is_not_approved(admins):
    admin, sec, doctor = admins["admin"], admins["secadmin"], admins["doctor"]
    pending = request_access_change(actor=admin, user=doctor, role=roles.POLICE, region="990102001000", active=True)
    User.objects.filter(pk=doctor.pk).update(region_id="990102002000")  # changed behind the request's back
    with pytest.raises(AccessRefused) as exc:
        approve_access_request(actor=sec, access_request=pending)
    assert exc.value.outcome == "conflict" and "重新提交" in exc.value.message
    assert User.objects.get(pk=doctor.pk).role == roles.TOWNSHIP_DOCTOR
    reject_access_request(actor=sec, access_request=pending)
    with pytest.raises(AccessRefused) as exc:
        approve_access_request(actor=sec, access_request=pending)
    assert exc.value.message == "该申请已处理，不能再次审批"
    assert _ops("access_reject")[0].detail["after"]["role"] == roles.POLICE


def test_a_new_request_supersedes_the_pending_one(admins):
    admin, doctor = admins["admin"], admins["doctor"]
    first = request_access_change(actor=admin, user=doctor, role=roles.POLICE, region="990102001000", active=True)
    second = request_access_change(actor=admin, user=doctor, role=roles.DPF, region="990102001000", active=True)
    first.refresh_from_db()
    assert first.status == AccessRequest.SUPERSEDED and second.status == AccessRequest.PENDING


def test_deactivating_applies_at_once_and_ends_sessions(admins, client):
    admin, doctor = admins["admin"], admins["doctor"]
    client.force_login(doctor)
    assert request_access_change(actor=admin, user=doctor, role=doctor.role, region=doctor.region_id,
                                 active=False) is None
    doctor.refresh_from_db()
    assert not doctor.is_active
    assert client.get("/patients/").status_code == 302
    change = _ops("access_change")[0]
    assert change.detail["before"]["active"] is True and change.detail["after"]["active"] is False
    # and reactivating is a grant again
    pending = request_access_change(actor=admin, user=doctor, role=doctor.role, region=doctor.region_id, active=True)
    assert pending is not None and not User.objects.get(pk=doctor.pk).is_active


def test_bad_input_is_refused_with_the_field_named(admins):
    admin, doctor = admins["admin"], admins["doctor"]
    with pytest.raises(AccessRefused) as exc:
        request_access_change(actor=admin, user=doctor, role="superuser", region="990102001000", active=True)
    assert exc.value.message == "角色“superuser”无效" and exc.value.outcome == "invalid"
    with pytest.raises(AccessRefused) as exc:
        request_access_change(actor=admin, user=doctor, role=roles.POLICE, region="990199999999", active=True)
    assert exc.value.message == "所属区划“990199999999”不存在"


def test_on_access_changed_ends_only_that_users_sessions(users):
    mine, other = Client(), Client()
    mine.force_login(users["doctor"])
    other.force_login(users["police"])
    issue_token(users["doctor"])
    assert on_access_changed(users["doctor"]) == 2
    assert Session.objects.count() == 1
    assert other.get("/patients/").status_code == 200


# Through the Django admin ----------------------------------------------------------------------------
def _change_form(user, **over):
    data = {"username": user.username, "first_name": user.first_name, "last_name": "", "phone": "", "email": "",
            "role": user.role, "region": user.region_id, "is_active": "on" if user.is_active else "",
            "failed_logins": "0", "locked_until_0": "", "locked_until_1": ""}
    data.update(over)
    return {k: v for k, v in data.items() if v != "" or k in ("first_name", "last_name")}


def test_admin_form_turns_a_role_change_into_a_request(admins, client):
    admin, doctor = admins["admin"], admins["doctor"]
    client.force_login(admin)
    response = client.post(f"/admin/accounts/user/{doctor.pk}/change/",
                           _change_form(doctor, role=roles.COUNTY_SUPERVISOR, first_name="新名字"),
                           REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302, response.content.decode()[:2000]
    doctor.refresh_from_db()
    assert doctor.role == roles.TOWNSHIP_DOCTOR and doctor.first_name == "新名字"  # details saved, role waits
    pending = AccessRequest.objects.get(user=doctor)
    assert pending.role == roles.COUNTY_SUPERVISOR and pending.requested_ip == "192.0.2.10"
    assert _ops("access_request")[0].ip == "192.0.2.10"


def test_admin_form_cannot_change_ones_own_role(admins, client):
    admin = admins["admin"]
    client.force_login(admin)
    client.post(f"/admin/accounts/user/{admin.pk}/change/", _change_form(admin, role=roles.COUNTY_SUPERVISOR))
    admin.refresh_from_db()
    assert admin.role == roles.ADMIN and not AccessRequest.objects.exists()


def test_a_user_added_in_the_admin_is_inactive_until_approved(admins, client):
    client.force_login(admins["admin"])
    response = client.post("/admin/accounts/user/add/", {
        "username": "newcounty", "first_name": "新督导", "role": roles.COUNTY_SUPERVISOR, "region": "990102000000",
        "password1": "Strong#Pass-2026x", "password2": "Strong#Pass-2026x"})  # a password is not taken
    assert response.status_code == 302, response.content.decode()[:2000]
    new = User.objects.get(username="newcounty")
    assert not new.is_active and not new.is_staff and not new.has_usable_password()
    pending = AccessRequest.objects.get(user=new)
    assert pending.new_user and pending.role == roles.COUNTY_SUPERVISOR

    sec = Client()
    sec.force_login(admins["secadmin"])
    response = sec.post("/admin/accounts/accessrequest/", {"action": "approve", "_selected_action": [pending.pk],
                                                            "index": "0"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.is_active and new.role == roles.COUNTY_SUPERVISOR
    assert _ops("access_approve")[0].user_id == admins["secadmin"].pk
    assert not Client().login(username="newcounty", password="Strong#Pass-2026x")
    # the security administrator issues the first password
    response = sec.post(f"/admin/accounts/user/{new.pk}/password/", {
        "password1": "First#Pass-2026x", "password2": "First#Pass-2026x", "usable_password": "true"})
    assert response.status_code == 302
    assert Client().login(username="newcounty", password="First#Pass-2026x")


def test_the_admin_cannot_approve_in_the_admin(admins, client):
    pending = request_access_change(actor=admins["admin"], user=admins["doctor"], role=roles.POLICE,
                                    region="990102001000", active=True)
    client.force_login(admins["admin"])
    client.post("/admin/accounts/accessrequest/", {"action": "approve", "_selected_action": [pending.pk],
                                                   "index": "0"})
    pending.refresh_from_db()
    assert pending.status == AccessRequest.PENDING


@pytest.mark.parametrize("who,url,allowed", [
    ("admin", "/admin/accounts/user/", True),
    ("admin", "/admin/regions/region/", True),
    ("admin", "/admin/audit/auditevent/", False),
    ("admin", "/admin/accounts/totpdevice/", False),
    ("secadmin", "/admin/accounts/user/", True),
    ("secadmin", "/admin/accounts/accessrequest/", True),
    ("secadmin", "/admin/accounts/totpdevice/", True),
    ("secadmin", "/admin/accounts/user/add/", False),
    ("secadmin", "/admin/regions/region/", False),
    ("secadmin", "/admin/audit/auditevent/", False),
    ("auditor", "/admin/audit/auditevent/", True),
    ("auditor", "/admin/accounts/user/", False),
    ("auditor", "/admin/accounts/accessrequest/", False),
    ("auditor", "/admin/regions/region/", False),
])
def test_each_administrator_sees_only_their_duty(admins, client, who, url, allowed):
    client.force_login(admins[who])
    assert (client.get(url).status_code == 200) is allowed


def test_only_the_security_admin_resets_a_password_and_never_their_own(admins, client):
    doctor = admins["doctor"]
    url = f"/admin/accounts/user/{doctor.pk}/password/"
    form = {"password1": "Reset#Pass-2026x", "password2": "Reset#Pass-2026x", "usable_password": "true"}
    client.force_login(admins["admin"])
    assert client.post(url, form).status_code == 403
    client.force_login(admins["secadmin"])
    assert client.get(f"/admin/accounts/user/{admins['secadmin'].pk}/password/").status_code == 403
    doctor_client = Client()
    doctor_client.force_login(doctor)
    issue_token(doctor)
    response = client.post(url, form, REMOTE_ADDR="192.0.2.20")
    assert response.status_code == 302
    doctor.refresh_from_db()
    assert doctor.check_password("Reset#Pass-2026x")
    reset = _ops("credential_reset")[0]
    assert reset.user_id == admins["secadmin"].pk and reset.ip == "192.0.2.20"
    assert not ApiToken.objects.filter(user=doctor).exists()
    assert doctor_client.get("/patients/").status_code == 302


def test_a_lost_authenticator_is_reset_by_the_security_admin_only(admins, client):
    device = TOTPDevice.objects.create(user=admins["doctor"], secret="JBSWY3DPEHPK3PXP", confirmed=True)
    own = TOTPDevice.objects.create(user=admins["secadmin"], secret="JBSWY3DPEHPK3PXP", confirmed=True)
    client.force_login(admins["admin"])
    assert client.post(f"/admin/accounts/totpdevice/{device.pk}/delete/", {"post": "yes"}).status_code == 403
    client.force_login(admins["secadmin"])
    assert client.post(f"/admin/accounts/totpdevice/{own.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/accounts/totpdevice/{device.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert _ops("credential_reset")[0].detail["credential"] == "totp"


def test_logins_with_the_password_work_for_the_new_roles(admins):
    for key in ("secadmin", "auditor"):
        assert Client().login(username=admins[key].username, password=PASSWORD)


def test_admin_log_entries_carry_the_address_and_the_changed_fields(admins, client):
    client.force_login(admins["admin"])
    doctor = admins["doctor"]
    response = client.post(f"/admin/accounts/user/{doctor.pk}/change/", _change_form(doctor, first_name="改名"),
                           REMOTE_ADDR="192.0.2.30")
    assert response.status_code == 302
    row = AuditEvent.objects.filter(action="admin", detail__change="changed").get()
    assert row.ip == "192.0.2.30" and row.path == f"/admin/accounts/user/{doctor.pk}/change/"
    assert row.detail["fields"] and "改名" not in str(row.detail)
