"""The relief state machine refuses every illegal transition and every wrong role; the fund's budget
holds unless an approval is explicitly overridden with a reason (audited)."""

import itertools
from decimal import Decimal

import pytest

from jingfang.accounts import roles
from jingfang.audit.models import AuditEvent
from jingfang.core import errors
from jingfang.support import relief, services_relief, vocab
from jingfang.support.models import Benefit, ReliefApplication, ReliefFund, ReliefLedgerEntry

from .conftest import PATHS, STEP_DATA, STEP_USER

LEGAL = {  # (from state, action) -> (to state, the only role allowed)
    ("draft", "submit"): ("submitted", {"village_doctor", "township_doctor", "village_cadre"}),
    ("submitted", "village_review"): ("village_reviewed", {"village_cadre"}),
    ("submitted", "village_reject"): ("rejected", {"village_cadre"}),
    ("village_reviewed", "approve"): ("township_approved", {"township_office"}),
    ("village_reviewed", "reject"): ("rejected", {"township_office"}),
    ("township_approved", "admit"): ("admitted", {"township_doctor"}),
    ("admitted", "close"): ("closed", {"township_doctor"}),
}
TABLE = list(itertools.product(vocab.RELIEF_STATES, vocab.RELIEF_ACTIONS, roles.ROLES))


@pytest.mark.parametrize("state,action,role", TABLE)
def test_pure_table_every_state_action_and_role(state, action, role):
    legal = LEGAL.get((state, action))
    if legal and role in legal[1]:
        assert relief.target(state, action, role) == legal[0]
        assert action in relief.next_actions(state, role)
        return
    with pytest.raises(relief.StepRefused) as exc:
        relief.target(state, action, role)
    assert exc.value.kind == ("role" if role not in LEGAL[next(k for k in LEGAL if k[1] == action)][1] else "state")
    assert any("\u4e00" <= c <= "\u9fff" for c in exc.value.message)  # a Chinese message
    assert action not in relief.next_actions(state, role)



ILLEGAL_STATES = [(s, a) for s in PATHS for a in vocab.RELIEF_ACTIONS if (s, a) not in LEGAL]


@pytest.mark.django_db
@pytest.mark.parametrize("state,action", ILLEGAL_STATES)
def test_service_refuses_a_step_from_the_wrong_state_409_and_changes_nothing(users, patient, walk, state, action):
    app = walk(patient, state)
    before = ReliefApplication.objects.filter(pk=app.pk).values().get()
    ledger = ReliefLedgerEntry.objects.count()
    with pytest.raises(errors.Conflict) as exc:
        services_relief.step(users[STEP_USER[action]], app, action, dict(STEP_DATA[action]))
    assert "不能进行" in str(exc.value)
    assert ReliefApplication.objects.filter(pk=app.pk).values().get() == before
    assert ReliefLedgerEntry.objects.count() == ledger
    assert AuditEvent.objects.filter(outcome="conflict", target=f"application:{app.pk}",
                                     detail__op=f"relief_{action}").exists()


WRONG_ROLES = [(a, who) for (s, a), (_, allowed) in LEGAL.items()
               for who in ("county", "office", "doctor", "vdoc", "cadre", "police", "civil", "dpf", "judicial")
               if {"county": "county_supervisor", "office": "township_office", "doctor": "township_doctor",
                   "vdoc": "village_doctor", "cadre": "village_cadre", "police": "police", "civil": "civil_affairs",
                   "dpf": "dpf", "judicial": "judicial"}[who] not in allowed]


@pytest.mark.django_db
@pytest.mark.parametrize("action,who", WRONG_ROLES)
def test_service_refuses_the_wrong_role_403_audited_and_changes_nothing(users, patient, walk, action, who):
    state = next(s for (s, a) in LEGAL if a == action)
    app = walk(patient, state)
    before = ReliefApplication.objects.filter(pk=app.pk).values().get()
    with pytest.raises(errors.Forbidden) as exc:
        services_relief.step(users[who], app, action, dict(STEP_DATA[action]))
    assert "须由" in str(exc.value) and "无权办理" in str(exc.value)
    assert ReliefApplication.objects.filter(pk=app.pk).values().get() == before
    assert AuditEvent.objects.filter(user_id=users[who].pk, outcome="denied", target=f"application:{app.pk}").exists()


@pytest.mark.django_db
def test_the_whole_path_keeps_who_and_when(users, patient, walk):
    app = walk(patient, "closed")
    assert app.state == "closed"
    assert (app.submitted_by, app.village_by, app.township_by, app.admitted_by, app.closed_by) == (
        users["vdoc"], users["cadre"], users["office"], users["doctor"], users["doctor"])
    assert all((app.submitted_at, app.village_at, app.township_at, app.admitted_at, app.closed_at))
    assert app.township_option_label == "住院饮食餐费和医疗费各救助50%"
    fund = app.fund
    assert fund.budget_yuan == Decimal("1400000.00")  # from the profile
    kinds = list(fund.entries.values_list("kind", "amount"))
    assert kinds == [("commit", Decimal("3000.00")), ("release", Decimal("3000.00")), ("payment", Decimal("2000.00"))]
    assert services_relief.remaining(fund) == Decimal("1398000.00")


@pytest.mark.django_db
def test_budget_refuses_beyond_remaining_unless_overridden_with_a_reason(users, patient, walk, make_patient):
    first = walk(patient, "village_reviewed")
    fund = services_relief.fund_for(patient.region_id, first.created_at.year)
    ReliefFund.objects.filter(pk=fund.pk).update(budget_yuan=Decimal("5000"))
    services_relief.step(users["office"], first, "approve", {"option": "both_half", "amount": "3000"})
    second = walk(make_patient("990102001002", name="钱超额"), "village_reviewed")
    with pytest.raises(errors.Invalid) as exc:
        services_relief.step(users["office"], second, "approve", {"option": "both_full", "amount": "3000"})
    assert "超出本年度住院救助基金余额（2000.00元）" in str(exc.value)
    with pytest.raises(errors.Invalid) as exc:
        services_relief.step(users["office"], second, "approve",
                             {"option": "both_full", "amount": "3000", "budget_override": "on"})
    assert "须填写理由" in str(exc.value)
    second.refresh_from_db()
    assert second.state == "village_reviewed" and not ReliefLedgerEntry.objects.filter(application=second).exists()
    approved = services_relief.step(users["office"], second, "approve", {
        "option": "both_full", "amount": "3000", "budget_override": "on", "override_reason": "暴力倾向，优先救助"})
    assert approved.state == "township_approved" and approved.budget_override
    assert approved.override_reason == "暴力倾向，优先救助"
    fund.refresh_from_db()
    assert services_relief.remaining(fund) == Decimal("-1000.00")
    assert AuditEvent.objects.filter(user_id=users["office"].pk, detail__op="relief_override",
                                     target=f"application:{second.pk}").exists()


@pytest.mark.django_db
def test_within_budget_needs_no_override(users, patient, walk):
    app = walk(patient, "township_approved")
    assert not app.budget_override and app.override_reason == ""


@pytest.mark.django_db
def test_uninsured_approval_needs_a_written_reason(users, patient, walk):
    app = walk(patient, "village_reviewed", insurance_type="none")
    with pytest.raises(errors.Invalid) as exc:
        services_relief.step(users["office"], app, "approve", {"option": "both_half", "amount": "1000"})
    assert "原则上自行承担" in str(exc.value)
    app = services_relief.step(users["office"], app, "approve",
                               {"option": "both_half", "amount": "1000", "opinion": "特困家庭，经研究同意救助"})
    assert app.state == "township_approved"


@pytest.mark.django_db
@pytest.mark.parametrize("change,field", [
    ({"self_paid": "1000"}, "self_paid"),  # does not add up to the total
    ({"relief_paid": "3500", "self_paid": "500"}, "relief_paid"),  # beyond the option's 50% share
    ({"food_cost": "20000"}, "food_cost"),
])
def test_admission_amounts_must_add_up_and_respect_the_option(users, patient, walk, change, field):
    app = walk(patient, "township_approved")
    with pytest.raises(errors.Invalid) as exc:
        services_relief.step(users["doctor"], app, "admit", {**STEP_DATA["admit"], **change})
    assert field in {e.field for e in exc.value.errors}
    app.refresh_from_db()
    assert app.state == "township_approved"


@pytest.mark.django_db
def test_an_unknown_option_is_refused(users, patient, walk):
    app = walk(patient, "village_reviewed")
    with pytest.raises(errors.Invalid):
        services_relief.step(users["office"], app, "approve", {"option": "everything_free", "amount": "10"})


@pytest.mark.django_db
def test_full_funding_and_priority_are_pre_marked_from_the_data(users, pingqiao, make_patient, walk):
    p = make_patient("990102001001", name="孙全额", guardian={"name": "村委会", "relation": "committee"},
                     risk_level=4)
    today = p.registered_on
    Benefit.objects.create(patient=p, kind="wubao_tekun", since=today)
    Benefit.objects.create(patient=p, kind="dibao", since=today, extreme_poverty=True)
    app = walk(p, "submitted", court_ordered="on")
    assert app.full_funding == ["court_ordered", "wubao", "no_close_relative", "extreme_dibao"]
    assert app.priority and "危险性评估4级" in app.priority_reasons


@pytest.mark.django_db
def test_a_parent_guardian_and_no_benefits_mark_nothing(patient, walk):
    app = walk(patient, "submitted")
    assert app.full_funding == [] and not app.priority


@pytest.mark.django_db
def test_filing_needs_a_relief_fund_in_the_profile(users, tree, make_patient):
    from jingfang.support.services_relief import NO_FUND

    p = make_patient("990102001001")  # national-2018: no relief fund
    with pytest.raises(errors.Invalid) as exc:
        services_relief.create(users["vdoc"], p, {"applicant_name": "王", "insurance_type": "resident", "facts": "x"})
    assert NO_FUND in str(exc.value)


@pytest.mark.django_db
@pytest.mark.parametrize("county_policy,township_policy,budget", [
    ("pingqiao-2025", "", Decimal("1400000.00")),  # the county's own scheme
    ("xuecheng-2016", "pingqiao-2025", Decimal("1400000.00")),  # a township runs the district's scheme
    ("xuecheng-2016", "", Decimal("0.00")),  # no profile in force sets a fund
])
def test_a_new_fund_takes_its_budget_from_the_profile_that_sets_the_fund(tree, county_policy, township_policy,
                                                                         budget):
    from jingfang.followups import engine

    tree["county"].policy = county_policy
    tree["county"].save()
    tree["t2"].policy = township_policy
    tree["t2"].save()
    engine.clear_caches()
    fund = services_relief.fund_for("990102000000", 2026)  # the county's page, opened before any approval
    assert fund.budget_yuan == budget
    assert services_relief.fund_for("990102001001", 2026).pk == fund.pk  # one fund for the whole county
