"""Menus show only what the role may open: every role signs in and opens every link of its menu bar;
each answers 200 (a link a role cannot open would be a 403 behind a menu item)."""

import re

import pytest

pytestmark = pytest.mark.django_db

NAV = re.compile(r"<nav>(.*?)</nav>", re.S)
LINK = re.compile(r'<a href="(/[^"]*)"')
ROLES = ["county", "office", "doctor", "vdoc", "cadre", "police", "civil", "dpf", "judicial", "admin", "secadmin",
         "auditor"]


@pytest.mark.parametrize("who", ROLES)
def test_every_menu_link_opens(client, users, who, make_patient):
    from jingfang.accounts import roles

    make_patient()
    user = users[who]
    if roles.is_admin_role(user.role):
        type(user).objects.filter(pk=user.pk).update(is_staff=True)  # as an approved administrator is
        user.refresh_from_db()
    client.force_login(user)
    page = client.get("/", follow=True)
    assert page.status_code == 200
    nav = NAV.search(page.content.decode())
    links = sorted(set(LINK.findall(nav.group(1)))) if nav else []
    failed = {}
    for url in links:
        r = client.get(url)
        if r.status_code != 200:
            failed[url] = r.status_code
    assert not failed, f"{who}: menu links that do not open: {failed}"
