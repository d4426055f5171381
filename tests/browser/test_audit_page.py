"""A county supervisor reads the audit log on a phone and on a desktop: who (role by name), what, and
which patient's file, in words with a link to the file, never a stored key."""

import pytest

from tests.browser.signin import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_audit_log_reads_as_words(live_server, page, shot, users, make_patient):
    p = make_patient(name="王审计")
    base = live_server.url
    login(page, base, users["doctor"].username)
    page.goto(f"{base}/patients/{p.pk}/")
    login(page, base, users["county"].username, fresh=True)
    page.goto(f"{base}/audit/?patient={p.pk}")
    table = page.inner_text("table")
    assert "乡镇卫生院精防人员" in table and "查看档案" in table and f"患者档案 #{p.pk}" in table
    assert f"patient:{p.pk}" not in table and "county_supervisor" not in table
    shot(page, "audit-log-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "audit-log-desktop")
    page.click(f"td[data-label='对象'] >> text=患者档案 #{p.pk} >> nth=0")
    page.wait_for_load_state()
    assert page.url.endswith(f"/patients/{p.pk}/")
