"""The demo county shows every capability with the printed logins: every role signs in in every
township, and each township has signed guardianship agreements, benefits, complete care teams, held
meetings and plans; the relief fund's budget is the profile's and relief amounts follow the approved
option."""

import importlib.util
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from jingfang.accounts import roles
from jingfang.accounts.models import User
from jingfang.care import team_rule
from jingfang.care.models import CareTeam, GuardianshipAgreement, Meeting, MeetingTask
from jingfang.core import clock
from jingfang.demo import regions as demo_regions
from jingfang.demo.accounts import (
    COUNTY_USERS,
    DEMO_PASSWORD,
    DEMO_USERS,
    TOWNSHIP_ROLES,
    first_village,
    print_logins,
    username,
)
from jingfang.demo.support import relief_amounts
from jingfang.followups.models import IndividualPlan
from jingfang.policies.profiles import load_profile
from jingfang.regions import codes
from jingfang.support import services_relief
from jingfang.support.models import Benefit, ReliefApplication, ReliefFund, RewardRun

TOWNSHIPS = [(n, code, name) for n, (code, name, _) in enumerate(demo_regions.TOWNSHIPS, start=1)]


@pytest.fixture
def demo(db):
    call_command("demo", patients=160, seed=11, stdout=StringIO())


def within(code: str):
    lo, hi = codes.code_range(code)
    return {"patient__region_id__gte": lo, "patient__region_id__lte": hi}


def test_the_naming_scheme_covers_every_role_in_every_township():
    users = {u: (role, code) for u, role, code, _ in DEMO_USERS}
    assert len(users) == len(DEMO_USERS)  # no name twice
    for n, code, _ in TOWNSHIPS:
        for prefix, role, where in TOWNSHIP_ROLES:
            assert users[username(prefix, n)] == (role, code if where == "township" else first_village(code))
    assert {role for _, role, _ in TOWNSHIP_ROLES} | {role for _, role in COUNTY_USERS} == set(roles.ROLES)


@pytest.mark.django_db
def test_logins_are_printed_by_township_with_its_profile():
    out = StringIO()
    print_logins(out)
    text = out.getvalue()
    for heading, profile in (("示范县（县级）", "xuecheng-2016"), ("1 青山镇", "qiyunshan-2024"),
                             ("2 平川镇", "xuecheng-2016"), ("3 中岭乡", "zhongliang-2022"),
                             ("4 雪城街道", "pingqiao-2025")):
        line = next(line for line in text.splitlines() if line.startswith(f"【{heading}"))
        assert profile in line and load_profile(profile).title in line
    for name, *_ in DEMO_USERS:
        assert any(line.split()[:1] == [name] for line in text.splitlines()), name


@pytest.mark.django_db
def test_every_role_in_every_township_signs_in_with_the_printed_password(client, demo, settings):
    settings.JINGFANG_TOTP_ENFORCE = False  # as `make run` serves the demo
    for name, *_ in DEMO_USERS:
        client.logout()
        response = client.post(reverse("accounts:login"), {"username": name, "password": DEMO_PASSWORD})
        assert response.status_code == 302, name
        assert int(client.session["_auth_user_id"]) == User.objects.get(username=name).pk, name
        home = client.get("/", follow=True)
        assert home.status_code == 200 and home.wsgi_request.user.username == name


@pytest.mark.django_db
def test_demo_county_shows_every_capability(client, demo):
    """One demo load (it takes a while), every capability checked on it."""
    check_township_work()
    check_relief()
    check_fund_page_made_first(client)
    check_reward_runs()
    check_roll_calls(client)
    check_costs(client)


def check_costs(client):
    """Cost episodes in every township, recorded relief stays linked (one left to record), the burden list."""
    from jingfang.support.models import CostEpisode, ReliefApplication

    for _, code, name in TOWNSHIPS:
        assert CostEpisode.objects.filter(**within(code), kind="inpatient").exists(), name
        assert CostEpisode.objects.filter(**within(code), kind="outpatient").exists(), name
    linked = CostEpisode.objects.filter(relief__isnull=False)
    assert linked.exists()
    assert all(e.relief_paid == e.relief.relief_paid and e.self_paid >= 0 for e in linked)
    assert ReliefApplication.objects.filter(state__in=("admitted", "closed"), cost_episode__isnull=True).exists()
    client.force_login(User.objects.get(username="civil2"))
    year = clock.today().year
    html = client.get(f"/support/costs/burden/?year={year}").content.decode() + client.get(
        f"/support/costs/burden/?year={year - 1}").content.decode()
    assert "贫困患者" in html and "%" in html


def check_township_work():
    """Signed guardianship agreements, benefits, complete care teams, held meetings, plans everywhere."""
    today = clock.today()
    for n, code, name in TOWNSHIPS:
        signed = GuardianshipAgreement.objects.filter(team_rule.signed_agreements(), **within(code))
        assert signed.exists(), name
        assert Benefit.objects.filter(**within(code)).exists(), name
        complete = [t for t in CareTeam.objects.filter(**within(code)).select_related("patient")
                    if not team_rule.missing_for(t.patient, t.members.all())]
        assert complete, name
        required = set(load_profile(demo_regions.POLICIES.get(code, "xuecheng-2016")).care_team.required_roles)
        team = complete[0]
        roles_present = {m.role for m in team.members.all()} | {"leader", "guardian"}
        assert required <= roles_present, name
        lo, hi = codes.code_range(code)
        held = Meeting.objects.filter(region_id__gte=lo, region_id__lte=hi, date__lte=today)
        assert held.filter(kind="township_group_monthly").exists() and held.filter(kind="team_monthly").exists(), name
        assert all(m.attendees.exists() for m in held), name
        assert MeetingTask.objects.filter(meeting__in=held, owner__username=username("vdoc", n)).exists(), name
        assert IndividualPlan.objects.filter(**within(code)).exists(), name
    assert MeetingTask.objects.filter(done=True).exists()


def check_relief():
    """The fund's budget is pingqiao-2025's; what the fund paid is what the approved option allows."""
    profile = load_profile("pingqiao-2025")
    fund = ReliefFund.objects.get(county_id=demo_regions.COUNTY[0], year=clock.today().year)
    assert fund.budget_yuan == Decimal(str(profile.relief_fund.annual_budget_yuan)) == Decimal("1400000")
    options = {o.code: o for o in profile.relief_fund.options}
    apps = ReliefApplication.objects.all()
    assert {a.state for a in apps} >= {"township_approved", "admitted", "closed"}  # every stage at full size
    admitted = apps.filter(admitted_at__isnull=False)
    assert admitted.count() >= 2
    for app in admitted:
        option = options[app.township_option]
        assert app.township_option_label == option.label
        expected = relief_amounts(option, app.total_cost, app.food_cost, app.insurance_paid)
        assert app.relief_paid == expected["relief_paid"] == app.township_amount
        assert app.insurance_paid + app.relief_paid + app.self_paid == app.total_cost
    totals = services_relief.fund_totals(fund)
    assert totals["budget"] == Decimal("1400000.00")
    assert totals["paid"] == sum(a.relief_paid for a in admitted)
    assert totals["remaining"] == totals["budget"] - totals["held"] - totals["paid"]


def check_fund_page_made_first(client):
    """A fund row is made the first time anyone looks at the year: the county's page, before any approval."""
    client.force_login(User.objects.get(username="county"))
    year = clock.today().year + 1
    html = client.get(f"/support/relief/fund/?county={demo_regions.COUNTY[0]}&year={year}").content.decode()
    assert ReliefFund.objects.get(year=year).budget_yuan == Decimal("1400000")
    assert "1400000" in html.replace(",", "")


def check_reward_runs():
    runs = RewardRun.objects.all()
    assert {r.township_id for r in runs} == {"990102002000", "990102004000"}  # xuecheng-2016, pingqiao-2025
    assert runs.filter(paid_at__isnull=False).exists() and runs.filter(eligible_count__gt=0).exists()


def _readme_demo_section() -> str:
    text = (Path(__file__).resolve().parents[4] / "README.md").read_text(encoding="utf-8")
    return text[text.index("## Demo logins"):text.index("## Roles and what they may do")]


def _walk_steps():
    path = Path(__file__).resolve().parents[4] / "scripts" / "demo_walk.py"
    spec = importlib.util.spec_from_file_location("demo_walk", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STEPS


def test_readme_tables_every_login_by_township_with_its_profile():
    section = _readme_demo_section()
    for name, *_ in DEMO_USERS:
        assert f"`{name}`" in section, name
    for n, code, name in TOWNSHIPS:
        row = next(line for line in section.splitlines() if line.startswith(f"| {n} {name} "))
        profile = demo_regions.POLICIES.get(code, demo_regions.POLICIES[demo_regions.COUNTY[0]])
        assert f"`{profile}`" in row and load_profile(profile).title in row
        assert all(f"`{username(prefix, n)}`" in row for prefix, _, _ in TOWNSHIP_ROLES)
    assert DEMO_PASSWORD in section


def test_readme_star_list_is_the_walk_script():
    """Each ★ step in the README names the user the walk signs in as, in the same order."""
    section = _readme_demo_section()
    items = re.findall(r"^(\d+)\. `(\w+)` ", section[section.index("### ★"):], flags=re.M)
    assert [(int(n), user) for n, user in items] == [(s[0], s[1]) for s in _walk_steps()]
    known = {u[0] for u in DEMO_USERS}
    assert {user for _, user in items} <= known


def check_roll_calls(client):
    """A sensitive period around today; where the profile asks for daily roll calls (中梁乡2022, 三、2) the
    key persons were called, and one found 不在控 reaches the township police's worklist as 点名异常."""
    from jingfang.followups.models import RollCall, SensitivePeriod

    today = clock.today()
    assert SensitivePeriod.objects.filter(start__lte=today, end__gte=today).exists()
    daily = [(n, code) for n, code, _ in TOWNSHIPS
             if (rule := load_profile(demo_regions.POLICIES.get(code, "xuecheng-2016")).roll_call)
             and rule.sensitive_period_daily]
    assert daily
    for n, code in daily:
        lo, hi = codes.code_range(code)
        calls = RollCall.objects.filter(patient__region_id__gte=lo, patient__region_id__lte=hi)
        assert {"present", "absent", "unreachable"} <= set(calls.values_list("result", flat=True)), code
        client.force_login(User.objects.get(username=username("police", n)))
        page = client.get("/worklist/").content.decode()
        assert "点名：不在控" in page and "连续" in page and "次点名联系不上" in page, code
