"""Every demo user opens every page they have on the synthetic county: nothing breaks on real-shaped data."""

import pytest
from django.core.management import call_command

from jingfang.accounts import roles
from jingfang.accounts.models import User
from jingfang.demo.accounts import users_by_township
from jingfang.registry import selectors

pytestmark = pytest.mark.django_db


# Every demo user, a township's (or the county's) users on one demo load: loading is the slow part.
GROUPS = [pytest.param(usernames, id=code) for code, usernames in users_by_township()]


@pytest.fixture
def demo(db):
    call_command("demo", patients=80, seed=7, verbosity=0)


@pytest.mark.parametrize("usernames", GROUPS)
def test_each_demo_user_opens_their_pages(client, demo, usernames):
    for username in usernames:
        opens_their_pages(client, User.objects.get(username=username))


def opens_their_pages(client, user):
    client.force_login(user)
    home = client.get("/")
    assert home.status_code == 302
    if not user.can(roles.VIEW_PATIENTS):
        assert client.get("/patients/").status_code == 403
        return
    listing = client.get("/patients/")
    assert listing.status_code == 200
    visible = selectors.patients_for(user)
    assert listing.context["page"].paginator.count == visible.count() > 0
    for patient in visible[:5]:
        html = client.get(f"/patients/{patient.pk}/").content.decode()
        assert patient.name in html
        assert ("诊断与治疗" in html) is user.sees_clinical
        if user.can(roles.EDIT_PATIENT):
            assert client.get(f"/patients/{patient.pk}/edit/").status_code == 200
        if user.can(roles.CHANGE_STATUS):
            assert client.get(f"/patients/{patient.pk}/status/").status_code == 200
    if user.can(roles.EXPORT):
        assert client.get("/patients/export.xlsx").status_code == 200
    assert (client.get("/audit/").status_code == 200) is user.can(roles.VIEW_AUDIT)


# Every page of the menus, as every demo user, on the demo county: never an error, and a refusal is a
# clean 403 (or 404 for a page about something outside the user's jurisdiction).
MENU_PAGES = [
    "/worklist/", "/keypersons/", "/lost/", "/medication/", "/sensitive-periods/",
    "/screening/", "/screening/campaigns/", "/intake/", "/intake/transfers/inbox/", "/intake/dual/",
    "/care/teams/", "/care/directory/", "/care/meetings/", "/care/incidents/",
    "/support/", "/support/relief/", "/support/benefits/gaps/", "/support/rewards/", "/support/insurance/",
    "/support/relief/fund/", "/support/costs/", "/support/costs/burden/",
    "/stats/", "/stats/kpis/", "/stats/inspections/",
    "/exchange/", "/exchange/reconciliations/", "/audit/",
]


@pytest.mark.parametrize("usernames", GROUPS)
def test_every_menu_page_opens_or_refuses_cleanly(client, demo, usernames):
    for username in usernames:
        menu_pages_open_or_refuse(client, username)


def menu_pages_open_or_refuse(client, username):
    from django.urls import Resolver404, resolve

    client.force_login(User.objects.get(username=username))
    for url in MENU_PAGES:
        try:
            resolve(url)
        except Resolver404:
            pytest.fail(f"{url} is not a page")
        status = client.get(url).status_code
        assert status in (200, 302, 403), f"{username} {url} -> {status}"
    html = client.get("/", follow=True).content.decode()
    assert "精防" in html
