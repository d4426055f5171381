"""Care teams: completeness per 中梁乡2022、平桥区2025, member rules, the list of incomplete teams, the contact
directory with masked phones and audited reveal, and the joint-visit minimum per policy profile."""

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.care import services, team_rule, vocab
from jingfang.care.models import CareTeam, TeamMember, missing_roles
from jingfang.core import errors
from jingfang.policies.profiles import available_profiles, load_profile

from .conftest import full_team, set_policy

pytestmark = pytest.mark.django_db


class M:
    def __init__(self, role, is_leader=False):
        self.role, self.is_leader = role, is_leader


NATIONAL, ZHONGLIANG, PINGQIAO = (load_profile(n).care_team.required_roles
                                  for n in ("national-2018", "zhongliang-2022", "pingqiao-2025"))
SIX = [M("leader", True), M("township_doctor"), M("police"), M("civil_affairs"), M("rehab_coordinator"), M("guardian")]


# 中梁乡2022 一 lists 组长, 卫生院医生, 社区民警, 民政办主任, 康复协调员, 监护人 for every household; 平桥区2025
# 三（三） names 乡镇包村干部, 派出所包村民警, 村干部, 基层精防医生, 监护人; the national profile the four every
# document names (leader, doctor, police, guardian).
@pytest.mark.parametrize("required,members,missing,signed", [
    (NATIONAL, [], ["leader", "township_doctor", "police", "guardian"], False),
    (NATIONAL, [M("leader", True), M("township_doctor"), M("police"), M("guardian")], [], False),
    (NATIONAL, [M("leader"), M("township_doctor"), M("police"), M("guardian")], ["leader"], False),  # no leader marked
    (NATIONAL, [M("leader", True), M("volunteer"), M("guardian")], ["township_doctor", "police"], False),
    (NATIONAL, [M("leader", True), M("township_doctor"), M("police")], [], True),  # the signed guardian counts
    (ZHONGLIANG, SIX, [], False),
    (ZHONGLIANG, [M("leader", True), M("township_doctor"), M("police"), M("guardian")],
     ["civil_affairs", "rehab_coordinator"], False),  # four is not a 中梁乡 group
    (ZHONGLIANG, SIX[:-1], [], True),
    (ZHONGLIANG, SIX[:-1], ["guardian"], False),
    (PINGQIAO, [M("township_cadre"), M("police"), M("grid_worker", True), M("township_doctor"), M("guardian")], [], False),
    (PINGQIAO, [M("leader", True), M("township_doctor"), M("police"), M("guardian")], ["township_cadre"], False),
])
def test_team_completeness_follows_the_profile(required, members, missing, signed):
    assert missing_roles(members, required, guardian_signed=signed) == missing


def test_profiles_name_roles_of_the_vocabulary():
    for name in available_profiles():
        rule = load_profile(name).care_team
        assert rule.cite and set(rule.required_roles) <= set(vocab.MEMBER_ROLES), name
        assert set(rule.recommended_roles) <= set(vocab.MEMBER_ROLES), name
    assert "中梁乡2022" in load_profile("zhongliang-2022").care_team.cite


def test_save_team_marks_the_leader_and_audits_without_names(users, patient):
    team = services.save_team(users["vdoc"], patient, full_team(users))
    assert team_rule.missing_for(team.patient, team.members.all()) == []
    assert TeamMember.objects.get(team=team, role="leader").is_leader
    assert services.team_missing(patient) == []
    assert "赵民警（社区（包村）民警）" in services.attendee_choices(patient)
    event = AuditEvent.objects.get(action="create", target=f"care_team:{team.pk}")
    assert event.patient_id == patient.pk and "李组长" not in str(event.detail) and "137" not in str(event.detail)


def test_team_refusals(users, patient):
    two_leaders = full_team(users) + [{"role": "leader", "name": "钱书记"}]
    with pytest.raises(errors.Invalid) as exc:
        services.save_team(users["vdoc"], patient, two_leaders)
    assert "只能有一名组长" in str(exc.value)
    outside = full_team(users)
    outside[1]["user_id"] = users["outsider"].pk  # a doctor of another county
    with pytest.raises(errors.Invalid) as exc:
        services.save_team(users["vdoc"], patient, outside)
    assert exc.value.errors[0].field == "members.1.user_id"
    bad_phone = full_team(users)
    bad_phone[0]["phone"] = "12ab"
    with pytest.raises(errors.Invalid):
        services.save_team(users["vdoc"], patient, bad_phone)
    with pytest.raises(errors.Forbidden):
        services.save_team(users["police"], patient, full_team(users))  # police keep no team files
    assert not CareTeam.objects.exists()
    assert AuditEvent.objects.filter(outcome="denied", patient_id=patient.pk, username=users["police"].username).exists()


def test_kept_member_without_phone_keeps_the_number_and_unlisted_members_go(users, patient):
    team = services.save_team(users["vdoc"], patient, full_team(users))
    rows = [{"id": m.pk, "role": m.role, "name": m.name, "phone": None, "unit": m.unit, "is_leader": m.is_leader}
            for m in team.members.exclude(role="police")]
    services.save_team(users["vdoc"], patient, rows)
    assert TeamMember.objects.get(team=team, role="leader").phone == "13700000001"
    assert team_rule.missing_for(team.patient, team.members.all()) == ["police"]


def test_list_flags_incomplete_teams_per_village_and_only_in_jurisdiction(client, users, patient, other):
    services.save_team(users["doctor"], patient, full_team(users))
    client.force_login(users["doctor"])
    r = client.get("/care/teams/?incomplete=1")
    assert [row["p"].name for row in r.context["rows"]] == ["乙患者"]
    assert r.context["villages"] == [{"code": "990102001002", "name": "乙村", "n": 1}]
    r = client.get("/care/teams/")
    flags = {row["p"].name: row["missing"] for row in r.context["rows"]}
    assert flags["甲患者"] == [] and "监护人" in flags["乙患者"]
    client.force_login(users["vdoc"])
    assert [row["p"].name for row in client.get("/care/teams/").context["rows"]] == ["甲患者"]
    client.force_login(users["doctor2"])
    assert client.get("/care/teams/").context["rows"] == []
    assert AuditEvent.objects.filter(target="care_teams", username=users["doctor"].username).exists()


def test_team_page_shows_duties_of_seed_002_and_masks_phones(client, users, patient):
    services.save_team(users["doctor"], patient, full_team(users))
    client.force_login(users["police"])
    html = client.get(f"/care/patients/{patient.pk}/team/").content.decode()
    assert "迅速处置患者滋事" in html and "中梁乡2022，二、3" in html  # police duties (中梁乡2022 二、3)
    assert "137****0003" in html and "13700000003" not in html
    assert "维护小组成员" not in html  # police may not change the team
    assert client.post(f"/care/patients/{patient.pk}/team/", {"rows": "0"}).status_code == 403


def test_team_page_saves_rows(client, users, patient):
    client.force_login(users["vdoc"])
    page = client.get(f"/care/patients/{patient.pk}/team/")
    assert page.status_code == 200 and "小组不完整" in page.content.decode()
    data = {"rows": "5"}
    for i, m in enumerate(full_team(users)):
        for k, v in m.items():
            data[f"m-{i}-{k}"] = str(v)
    data["m-0-is_leader"] = "on"
    r = client.post(f"/care/patients/{patient.pk}/team/", data)
    assert r.status_code == 302
    assert team_rule.missing_for(patient, CareTeam.objects.get(patient=patient).members.all()) == []


def test_team_reveal_is_audited_and_refused_without_the_right(client, users, patient):
    services.save_team(users["doctor"], patient, full_team(users))
    client.force_login(users["doctor"])
    html = client.post(f"/care/patients/{patient.pk}/team/reveal/").content.decode()
    assert "13700000003" in html and "本次查看已记录" in html
    assert AuditEvent.objects.filter(action="reveal", patient_id=patient.pk, outcome="ok").exists()
    client.force_login(users["judicial"])  # judicial offices may not see full numbers
    assert client.post(f"/care/patients/{patient.pk}/team/reveal/").status_code == 403


def test_directory_per_village_masked_with_audited_reveal(client, users, patient, other):
    services.save_team(users["doctor"], patient, full_team(users))
    services.save_team(users["doctor"], other, full_team(users, guardian_name="乙监护"))
    client.force_login(users["doctor"])
    r = client.get("/care/directory/?region=990102001001")
    rows = r.context["rows"]
    doctor_row = next(x for x in rows if x["role"] == "township_doctor")
    assert [p.name for p in doctor_row["patients"]] == ["甲患者"]
    html = r.content.decode()
    assert "137****0002" in html and "13700000002" not in html and "乙监护" not in html
    township = client.get("/care/directory/").context["rows"]
    doctor_row = next(x for x in township if x["role"] == "township_doctor")
    assert {p.name for p in doctor_row["patients"]} == {"甲患者", "乙患者"}  # one person, two patients
    shown = client.post("/care/directory/reveal/?region=990102001001").content.decode()
    assert "13700000002" in shown
    assert AuditEvent.objects.filter(action="reveal", target="directory:990102001001").exists()
    client.force_login(users["cadre"])  # village cadres see masked numbers only
    assert client.post("/care/directory/reveal/?region=990102001001").status_code == 403


@pytest.mark.parametrize("policy,count,ok", [
    ("", 1, True),  # national-2018: no minimum beyond one
    ("zhongliang-2022", 2, False),  # 中梁乡2022 三、2: 3名以上小组成员同行
    ("zhongliang-2022", 3, True),
])
def test_joint_visit_problem_per_profile(patient, policy, count, ok):
    set_policy("990102001000", policy)
    problem = services.joint_visit_problem(patient, count)
    assert (problem == "") is ok
    if not ok:
        assert "至少应有3名" in problem and "中梁乡2022" in problem


def test_a_zhongliang_team_of_four_is_incomplete_on_the_list(client, users, patient, tree):
    """中梁乡2022 一: six members; the list, its 不完整 filter and the patient's page say what is missing."""
    from jingfang.followups import engine

    services.save_team(users["vdoc"], patient, full_team(users))
    client.force_login(users["doctor"])
    assert patient.name not in client.get("/care/teams/?incomplete=1").content.decode()
    tree["county"].policy = "zhongliang-2022"
    tree["county"].save()
    engine.clear_caches()
    listed = client.get("/care/teams/?incomplete=1").content.decode()
    assert patient.name in listed and "民政干部" in listed and "康复协调员" in listed
    page = client.get(f"/care/patients/{patient.pk}/team/").content.decode()
    assert "小组不完整" in page and "中梁乡2022，一" in page
