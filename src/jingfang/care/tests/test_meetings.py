"""Meetings: tasks on their owner's worklist only, missing monthly / quarterly meetings becoming
overdue by the policy profile's cadence (齐云山镇2024), validation and scoping of what a meeting holds."""

import datetime as dt

import pytest

from jingfang.audit.models import AuditEvent
from jingfang.care import services
from jingfang.care.models import Meeting, MeetingTask
from jingfang.care.worklist import meeting_due
from jingfang.core import errors
from jingfang.followups import worklist
from jingfang.policies.profiles import Interval
from jingfang.registry.models import Patient

from .conftest import TODAY, set_policy

pytestmark = pytest.mark.django_db


def meeting_data(users, patient=None, **over):
    data = {
        "kind": "team_monthly", "region_code": "990102001001", "date": TODAY.isoformat(), "minutes": "通报本月随访情况",
        "decisions": "加强服药督促", "patient_ids": [patient.pk] if patient else [],
        "attendees": [{"name": "李组长", "unit": "甲村"}, {"user_id": users["vdoc"].pk}],
        "tasks": [{"text": "督促监护人按时给药", "owner_id": users["vdoc"].pk,
                   "due_date": (TODAY + dt.timedelta(days=3)).isoformat()}],
    }
    data.update(over)
    return data


def deadline_labels(user, on=TODAY, **kw):
    return {i.label: i for i in worklist.items_for(user, on, kind="deadline", horizon=30, **kw)}


def test_meeting_tasks_land_on_the_owners_worklist_only(users, patient):
    meeting = services.save_meeting(users["doctor"], meeting_data(users, patient))
    mine = deadline_labels(users["vdoc"])
    item = mine["会议任务：督促监护人按时给药"]
    assert item.kind == "deadline" and item.url == f"/care/meetings/{meeting.pk}/" and item.patient_id is None
    assert item.state == "due"
    for other in ("doctor", "cadre", "county", "doctor2"):
        assert "会议任务：督促监护人按时给药" not in deadline_labels(users[other])
    api = deadline_labels(users["vdoc"], region_code="990102001002")  # filtered to another village: gone
    assert "会议任务：督促监护人按时给药" not in api
    task = meeting.tasks.get()
    services.complete_task(users["vdoc"], task)
    assert "会议任务：督促监护人按时给药" not in deadline_labels(users["vdoc"])
    with pytest.raises(errors.Invalid):
        services.complete_task(users["vdoc"], MeetingTask.objects.get(pk=task.pk))


def test_overdue_task_and_the_worklist_page_link(client, users, patient):
    data = meeting_data(users, patient, date=(TODAY - dt.timedelta(days=20)).isoformat())
    data["tasks"][0]["due_date"] = (TODAY - dt.timedelta(days=2)).isoformat()
    services.save_meeting(users["doctor"], data)
    assert deadline_labels(users["vdoc"])["会议任务：督促监护人按时给药"].state == "overdue"
    client.force_login(users["vdoc"])
    html = client.get("/worklist/?kind=deadline").content.decode()
    assert "会议任务：督促监护人按时给药" in html


def test_only_owner_or_recorder_of_the_region_completes(users, patient):
    meeting = services.save_meeting(users["doctor"], meeting_data(users, patient))
    task = meeting.tasks.get()
    with pytest.raises(errors.Forbidden):
        services.complete_task(users["police"], task)  # neither owner nor a meeting recorder
    services.complete_task(users["office"], task)  # township office records meetings for its villages
    assert MeetingTask.objects.get(pk=task.pk).done


def test_meeting_refusals(users, patient, other, make_patient):
    with pytest.raises(errors.Invalid) as exc:  # a team meeting belongs to a village
        services.save_meeting(users["doctor"], meeting_data(users, region_code="990102001000"))
    assert exc.value.errors[0].field == "region_code"
    with pytest.raises(errors.Invalid) as exc:  # 乙村's patient at 甲村's meeting
        services.save_meeting(users["doctor"], meeting_data(users, other))
    assert exc.value.errors[0].field == "patient_ids"
    with pytest.raises(errors.Invalid) as exc:  # the village doctor cannot bring in 乙村's patient either
        services.save_meeting(users["vdoc"], meeting_data(users, other, region_code="990102001002"))
    assert exc.value.errors[0].field == "region_code"
    bad_owner = meeting_data(users, patient)
    bad_owner["tasks"][0]["owner_id"] = users["doctor2"].pk  # another township's doctor
    with pytest.raises(errors.Invalid) as exc:
        services.save_meeting(users["doctor"], bad_owner)
    assert exc.value.errors[0].field == "tasks.0.owner_id"
    with pytest.raises(errors.Invalid):
        services.save_meeting(users["doctor"], meeting_data(users, date=(TODAY + dt.timedelta(days=1)).isoformat()))
    with pytest.raises(errors.Forbidden):
        services.save_meeting(users["police"], meeting_data(users))
    assert not Meeting.objects.exists()


def test_task_owner_in_a_village_sees_the_township_meeting_but_not_other_villages_patients(client, users, patient,
                                                                                           other):
    data = meeting_data(users, kind="township_group_monthly", region_code="990102001000",
                        patient_ids=[patient.pk, other.pk])
    meeting = services.save_meeting(users["doctor"], data)
    client.force_login(users["vdoc"])
    r = client.get(f"/care/meetings/{meeting.pk}/")
    assert r.status_code == 200
    assert [p.name for p in r.context["patients"]] == ["甲患者"] and r.context["hidden"] == 1
    assert "乙患者" not in r.content.decode()
    assert client.get(f"/care/meetings/{meeting.pk}/edit/").status_code == 403  # may read, not change
    client.force_login(users["cadre"])  # same village, no task: the township meeting is not theirs
    assert client.get(f"/care/meetings/{meeting.pk}/").status_code == 404


@pytest.mark.parametrize("every,last,first,on,due,start", [
    ("1m", None, dt.date(2024, 1, 10), dt.date(2025, 3, 10), dt.date(2025, 2, 28), dt.date(2025, 2, 1)),
    ("1m", None, dt.date(2025, 3, 2), dt.date(2025, 3, 10), dt.date(2025, 3, 31), dt.date(2025, 3, 1)),
    ("1m", dt.date(2025, 2, 5), dt.date(2024, 1, 1), dt.date(2025, 3, 10), dt.date(2025, 3, 31), dt.date(2025, 3, 1)),
    ("1m", dt.date(2025, 1, 20), dt.date(2024, 1, 1), dt.date(2025, 3, 10), dt.date(2025, 2, 28), dt.date(2025, 2, 1)),
    ("1m", dt.date(2025, 3, 2), dt.date(2024, 1, 1), dt.date(2025, 3, 10), dt.date(2025, 4, 30), dt.date(2025, 4, 1)),
    ("3m", dt.date(2025, 2, 10), dt.date(2024, 1, 1), dt.date(2025, 8, 1), dt.date(2025, 6, 30), dt.date(2025, 4, 1)),
    ("3m", None, dt.date(2024, 1, 1), dt.date(2025, 8, 1), dt.date(2025, 6, 30), dt.date(2025, 4, 1)),
])
def test_meeting_due_by_calendar_period(every, last, first, on, due, start):
    assert meeting_due(Interval.parse(every), last, first, on) == (due, start)


@pytest.fixture
def qiyunshan(patient):
    """The county follows 齐云山镇2024 (qiyunshan-2024): team and township group meetings monthly
    (三（一）1), joint consultation quarterly (四、2)."""
    set_policy("990102000000", "qiyunshan-2024")
    Patient.objects.filter(pk=patient.pk).update(registered_on=dt.date(2024, 1, 10))
    return patient


ON = dt.date(2025, 3, 10)


def test_missing_monthly_meetings_become_overdue(users, qiyunshan):
    items = deadline_labels(users["doctor"], on=ON)
    team = items["关爱帮扶小组例会（每月）：甲村"]
    assert team.state == "overdue" and team.due_date == dt.date(2025, 2, 28)
    assert "齐云山镇2024，三（一）1" in team.reason and team.url.endswith("?kind=team_monthly&region=990102001001")
    township = items["乡镇综合管理小组例会（每月）：东镇"]
    assert township.state == "overdue"
    joint = items["联合会商调度（每季度）：东镇"]
    assert joint.due_date == dt.date(2024, 12, 31) and "四、2" in joint.reason
    assert "关爱帮扶小组例会（每月）：乙村" not in items  # no patient there
    # A meeting held in February: March's is due by the end of March, not overdue on the 10th.
    Meeting.objects.create(kind="team_monthly", region_id="990102001001", date=dt.date(2025, 2, 14))
    team = deadline_labels(users["doctor"], on=ON)["关爱帮扶小组例会（每月）：甲村"]
    assert team.state == "due" and team.due_date == dt.date(2025, 3, 31)
    assert deadline_labels(users["doctor"], on=dt.date(2025, 4, 1))["关爱帮扶小组例会（每月）：甲村"].state == "overdue"
    # Held in March too: nothing due until April.
    Meeting.objects.create(kind="team_monthly", region_id="990102001001", date=dt.date(2025, 3, 5))
    assert "关爱帮扶小组例会（每月）：甲村" not in deadline_labels(users["doctor"], on=ON)


def test_meeting_items_go_to_recorders_in_range_only(users, qiyunshan):
    assert "关爱帮扶小组例会（每月）：甲村" in deadline_labels(users["vdoc"], on=ON)
    assert "乡镇综合管理小组例会（每月）：东镇" not in deadline_labels(users["vdoc"], on=ON)  # township above a village
    assert not [k for k in deadline_labels(users["police"], on=ON) if "例会" in k]  # police do not record meetings
    assert not deadline_labels(users["doctor2"], on=ON)


def test_zhongliang_has_team_meetings_but_no_joint_consultation(users, patient):
    set_policy("990102000000", "zhongliang-2022")
    labels = deadline_labels(users["doctor"])
    assert "关爱帮扶小组例会（每月）：甲村" in labels
    assert not [k for k in labels if "联合会商" in k or "综合管理小组" in k]


def test_national_profile_sets_no_meeting_cadence(users, patient):
    assert not [k for k in deadline_labels(users["doctor"]) if "例会" in k or "会商" in k]


def test_meeting_pages(client, users, patient):
    client.force_login(users["vdoc"])
    form = client.get("/care/meetings/new/?kind=team_monthly&region=990102001001")
    assert form.status_code == 200 and 'name="patient_pick_q"' in form.content.decode()
    assert "甲患者" not in form.content.decode()  # patients are found by typing, not all listed
    post = {"kind": "team_monthly", "region_code": "990102001001", "date": TODAY.isoformat(), "minutes": "纪要",
            "decisions": "议定", "patient_ids": [str(patient.pk)], "a_rows": "2", "a-0-name": "李组长",
            "a-1-user_id": str(users["doctor"].pk), "t_rows": "1", "t-0-text": "送药上门",
            "t-0-owner_id": str(users["doctor"].pk), "t-0-due_date": TODAY.isoformat()}
    r = client.post("/care/meetings/new/", post)
    assert r.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.attendees.count() == 2 and list(meeting.patients.all()) == [patient]
    detail = client.get(r["Location"]).content.decode()
    assert "送药上门" in detail and "甲患者" in detail
    assert AuditEvent.objects.filter(action="view", target=f"meeting:{meeting.pk}").exists()
    listing = client.get("/care/meetings/")
    assert list(listing.context["page"].object_list) == [meeting]
    client.force_login(users["doctor"])
    assert "送药上门" in client.get("/care/meetings/").content.decode()  # my open tasks
    done = client.post(f"/care/meetings/{meeting.pk}/tasks/{meeting.tasks.get().pk}/done/")
    assert done.status_code == 302 and meeting.tasks.get().done
    bad = dict(post, region_code="990102002001")
    assert client.post("/care/meetings/new/", bad).status_code == 422


def test_editing_a_meeting_keeps_done_tasks_and_drops_cleared_ones(client, users, patient):
    data = meeting_data(users, patient)
    data["tasks"].append({"text": "联系民政办理低保", "owner_id": users["doctor"].pk, "due_date": TODAY.isoformat()})
    meeting = services.save_meeting(users["doctor"], data)
    first, second = meeting.tasks.order_by("id")
    services.complete_task(users["vdoc"], first)
    client.force_login(users["doctor"])
    form = client.get(f"/care/meetings/{meeting.pk}/edit/")
    assert form.status_code == 200 and "联系民政办理低保" in form.content.decode()
    post = {"kind": "team_monthly", "region_code": "990102001001", "date": TODAY.isoformat(), "decisions": "改",
            "patient_ids": [str(patient.pk)], "a_rows": "1", "a-0-name": "李组长", "t_rows": "2",
            "t-0-id": str(first.pk), "t-0-text": first.text, "t-0-owner_id": str(users["vdoc"].pk),
            "t-0-due_date": first.due_date.isoformat(), "t-1-id": str(second.pk), "t-1-text": "",
            "t-1-owner_id": str(users["doctor"].pk), "t-1-due_date": TODAY.isoformat()}
    assert client.post(f"/care/meetings/{meeting.pk}/edit/", post).status_code == 302
    assert list(meeting.tasks.values_list("text", "done")) == [("督促监护人按时给药", True)]
    assert Meeting.objects.get(pk=meeting.pk).decisions == "改"
    assert AuditEvent.objects.filter(action="update", target=f"meeting:{meeting.pk}", outcome="ok").exists()
