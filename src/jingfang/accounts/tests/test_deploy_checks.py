"""`jingfang check --deploy` refuses demo logins with the public password and the development key."""

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from jingfang.accounts.models import User
from jingfang.demo.accounts import DEMO_PASSWORD, create_demo_users

pytestmark = pytest.mark.django_db

STRONG_KEY = "k9-Vq2xL7pT4wZ8nR1sY6uB3cF0hJ5mE-production-like-key"


def account_errors():
    return sorted(m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("accounts."))


def test_clean_deployment_passes(tree, settings, make_user):
    settings.SECRET_KEY = STRONG_KEY
    make_user("county_supervisor", "county", username="someone")
    assert account_errors() == []


def test_development_key_is_refused(tree, settings):
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    assert account_errors() == ["accounts.E002"]


def test_demo_user_with_demo_password_is_refused(tree, settings):
    settings.SECRET_KEY = STRONG_KEY
    User.objects.create_user(username="county", password=DEMO_PASSWORD, role="county_supervisor", region=tree["county"])
    assert account_errors() == ["accounts.E001"]
    with pytest.raises(SystemCheckError, match="accounts.E001"):
        call_command("check", "--deploy")


def _demo_regions_in(tree) -> None:
    """The demo users' townships and villages that the test tree lacks, under its county."""
    from jingfang.demo.accounts import DEMO_USERS
    from jingfang.regions import codes
    from jingfang.regions.models import Region

    for code in sorted({code for _, _, code, _ in DEMO_USERS}):
        township = code[:9] + "000"
        for c in (township, code):
            parent = tree["county"] if c == township else Region.objects.get(code=township)
            Region.objects.get_or_create(code=c, defaults={"name": f"示例{c[-6:]}", "level": codes.level_of(c),
                                                           "parent": parent})


def test_all_demo_users_are_named(tree, settings):
    settings.SECRET_KEY = STRONG_KEY
    _demo_regions_in(tree)  # every township of the demo county has its users
    create_demo_users()
    errors = [m for m in run_checks(include_deployment_checks=True) if m.id == "accounts.E001"]
    assert len(errors) == 1 and "county" in errors[0].msg and "doctor2" in errors[0].msg


def test_demo_username_with_a_new_password_passes(tree, settings):
    settings.SECRET_KEY = STRONG_KEY
    user = User.objects.create_user(username="admin", password=DEMO_PASSWORD, role="admin", region=tree["county"])
    user.set_password("Brand#New-Pass-2026")
    user.save()
    assert account_errors() == []
