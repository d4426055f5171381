"""A village doctor's pages on a 390 px phone: the header is one line with a 菜单 button that opens
the menus, and no page, nor any table on it, scrolls sideways (long escalation notes wrap)."""

import datetime as dt

import pytest

from jingfang.core import clock
from jingfang.followups import services
from jingfang.registry.models import Patient
from tests.browser.signin import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = "连续3次未随访到患者：按失访处理，各部门联合全力查找具体下落，确保零失访（齐云山镇2024，三（五）1）" * 2


def test_village_doctor_pages_fit_a_phone(live_server, page, shot, users, make_patient):
    p = make_patient(name="王手机")
    Patient.objects.filter(pk=p.pk).update(registered_on=clock.today() - dt.timedelta(days=400))
    p.refresh_from_db()
    services.record_followup(users["vdoc"], p, {
        "date": (clock.today() - dt.timedelta(days=120)).isoformat(), "mode": "phone", "seen": "on",
        "risk_level": 3, "insight": "none", "social_function": "poor", "adherence": "regular",
        "adverse_reaction": "none", "physical_illness": "none"})
    from jingfang.followups.models import DueItem

    DueItem.objects.filter(patient=p, kind="followup").update(escalations=[LONG])
    login(page, live_server.url, users["vdoc"].username)
    assert page.viewport_size["width"] == 390
    for path in ("/worklist/", "/patients/", f"/patients/{p.pk}/", f"/patients/{p.pk}/followups/",
                 f"/patients/{p.pk}/followups/new/", "/lost/", "/keypersons/", "/care/teams/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        wide = page.evaluate("""[...document.querySelectorAll('.table-wrap')]
            .filter(w => w.scrollWidth > w.clientWidth + 1 && w.querySelector('table.responsive'))
            .map(w => w.scrollWidth)""")
        assert not wide, (path, wide)
        header = page.evaluate("document.querySelector('header.topbar').getBoundingClientRect().height")
        assert header < 64, (path, header)  # one line, not a third of the screen
    page.goto(f"{live_server.url}/worklist/")
    assert LONG[:20] in page.content()
    shot(page, "phone-worklist")
    assert not page.is_visible("header.topbar nav")
    page.click("[data-menu-toggle]")
    assert page.is_visible("header.topbar nav") and page.is_visible("text=患者档案")
    shot(page, "phone-menu-open")
