"""Every demo user opens every care page on the synthetic county (qiyunshan-2024 in the first township):
nothing breaks on real-shaped data, and meeting work reaches the worklist."""

import pytest
from django.core.management import call_command

from jingfang.accounts.models import User
from jingfang.care import permissions, services
from jingfang.demo.accounts import users_by_township
from jingfang.registry import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("demo", patients=80, seed=7, verbosity=0)
    police = User.objects.get(username="police1")
    patient = selectors.patients_for(police).filter(status="at_home").first()
    incident = services.record_incident(police, patient, {"date": patient.last_followup_date or patient.registered_on,
                                                          "place": "村口", "kind": "trouble"})
    return incident


@pytest.mark.parametrize("usernames", [pytest.param(names, id=code) for code, names in users_by_township()])
def test_each_demo_user_opens_the_care_pages(client, demo, usernames):
    """A township's (or the county's) users on one demo load: loading is the slow part."""
    for username in usernames:
        opens_the_care_pages(client, demo, username)


def opens_the_care_pages(client, demo, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    pages = ["/care/teams/", "/care/teams/?incomplete=1", "/care/directory/", "/care/meetings/", "/care/incidents/"]
    if not user.can("view_patients"):
        for url in pages:
            assert client.get(url).status_code == 403
        return
    for url in pages:
        assert client.get(url).status_code == 200, url
    for patient in selectors.patients_for(user)[:3]:
        assert client.get(f"/care/patients/{patient.pk}/team/").status_code == 200
        assert client.get(f"/care/patients/{patient.pk}/guardianship/").status_code == 200
    if selectors.patients_for(user).filter(pk=demo.patient_id).exists():
        html = client.get(f"/care/incidents/{demo.pk}/review/").content.decode()
        assert "时间线" in html and ("服药依从性" in html) is user.sees_clinical
    if permissions.can(user, permissions.RECORD_MEETING):
        assert client.get("/care/meetings/new/").status_code == 200
    if username in ("doctor1", "office1"):  # qiyunshan-2024: monthly team meetings, due where none was held
        html = client.get("/worklist/?kind=deadline").content.decode()
        assert "关爱帮扶小组例会（每月）" in html
    if username == "vdoc1":  # the demo's meeting in their village gave them a task
        html = client.get("/worklist/?kind=deadline").content.decode()
        assert "会议任务" in html
