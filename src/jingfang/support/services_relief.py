"""Hospitalisation relief: filing, the steps of the annex form, the fund and its ledger.

Every step goes through ``step``: the pure state machine (support.relief) decides whether the step is
legal from the state and for the role; the step's form validates its fields; who and when are kept;
the fund's ledger moves in the same transaction; everything is audited (refusals too).
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from jingfang.core import clock, errors
from jingfang.followups import engine
from jingfang.regions import codes
from jingfang.regions.models import Region

from . import auditing, facts_rewards, permissions, relief, vocab
from .forms import STEP_FORMS, BudgetForm, ReliefForm
from .models import Benefit, ReliefApplication, ReliefFund, ReliefLedgerEntry
from .selectors import county_code_of

UNINSURED_NOTE = "未参加基本医疗保险的人员，原则上自行承担住院期间费用（平桥区2025附件说明3）"
NO_FUND = "本地区政策配置未设立住院救助基金"


def fund_config(region_code: str):
    profile = engine.profile_for(region_code)
    return profile, profile.relief_fund


def county_fund_config(county_code: str):
    """(profile, [relief_fund]) that sets the budget of a county's fund: the county's own profile's, or,
    where that sets no fund, the first profile set on a region within the county that does (e.g. a
    district's scheme applied by one of its streets: 平桥区2025, 二（二）). (profile, None) when none does."""
    profile, cfg = fund_config(county_code)
    if cfg is not None:
        return profile, cfg
    lo, hi = codes.code_range(county_code)
    for code in sorted(c for c in engine.policy_regions() if lo <= c <= hi):
        inner, inner_cfg = fund_config(code)
        if inner_cfg is not None:
            return inner, inner_cfg
    return profile, None


def fund_config_of_region(region_code: str):
    """(profile, [relief_fund]) for a user's region: its own profile's fund, else the one that sets its
    county's fund (``county_fund_config``), so a county supervisor sees the options the fund runs on."""
    profile, cfg = fund_config(region_code)
    if cfg is not None:
        return profile, cfg
    return county_fund_config(region_code[:6] + "000000")


def option_for(region_code: str, code: str):
    _, cfg = fund_config(region_code)
    return next((o for o in (cfg.options if cfg else ()) if o.code == code), None)


def premark(patient, court_ordered: bool) -> dict:
    """Full-funding categories and the violent-risk priority, from the data (annex 说明3; 二（二））."""
    today = clock.today()
    benefits = [relief.BenefitFact(b.kind, b.extreme_poverty)
                for b in Benefit.objects.filter(patient=patient) if b.active_on(today)]
    relations = list(patient.guardians.values_list("relation", flat=True))
    incident_kinds = [i.kind for i in facts_rewards.incidents_by_patient([patient.pk], today).get(patient.pk, [])]
    threshold = engine.profile_for(patient.region_id).key_person.risk_threshold
    reasons = relief.priority_reasons(risk_level=patient.risk_level, past_acts=patient.past_dangerous_acts,
                                      incident_kinds=incident_kinds, police_listed=patient.police_listed,
                                      threshold=threshold)
    funding = relief.full_funding(court_ordered=court_ordered,
                                compulsory_status=patient.status_detail == "compulsory_treatment",
                                benefits=benefits, guardian_relations=relations)
    return {
        "full_funding": funding, "full_funding_labels": [vocab.FULL_FUNDING[c] for c in funding],
        "priority": bool(reasons), "priority_reasons": reasons,
    }


def _premark_fields(patient, court_ordered: bool) -> dict:
    marks = premark(patient, court_ordered)
    return {k: marks[k] for k in ("full_funding", "priority", "priority_reasons")}


def _denied(actor, action, request, app=None, patient=None, message="您的角色无权办理住院救助申请"):
    auditing.record(actor, action, request=request, outcome="denied",
                 patient_id=(app.patient_id if app else getattr(patient, "pk", None)),
                 target=f"application:{app.pk}" if app else "")
    raise errors.Forbidden(message)


def _apply_form(actor, patient, data: dict, app: ReliefApplication, action: str, request) -> ReliefApplication:
    form = ReliefForm(data=data, instance=app, guardians=list(patient.guardians.all()))
    if not form.is_valid():
        auditing.record(actor, action, request=request, outcome="invalid", patient_id=patient.pk,
                     detail={"fields": sorted(form.errors)})
        raise errors.Invalid(errors.from_form(form))
    app = form.save(commit=False)
    app.guardian = form.cleaned_data["guardian_obj"]
    app.applicant_name = form.cleaned_data["applicant_name"]
    app.applicant_relation = form.cleaned_data.get("applicant_relation") or ""
    app.applicant_phone = form.cleaned_data.get("applicant_phone") or ""
    for key, value in _premark_fields(patient, app.court_ordered).items():
        setattr(app, key, value)
    return app


def create(actor, patient, data: dict, *, request=None) -> ReliefApplication:
    """A draft application for a patient the actor may see (the caller fetched it scoped)."""
    if not permissions.has(actor, permissions.RELIEF_FILE):
        _denied(actor, "relief_create", request, patient=patient,
                message=f"住院救助申请由{permissions.step_roles_text('submit')}填报")
    if fund_config(patient.region_id)[1] is None:
        raise errors.Invalid(NO_FUND)
    app = ReliefApplication(patient=patient, township_code=patient.region_id[:9] + "000", created_by=actor)
    app = _apply_form(actor, patient, data, app, "relief_create", request)
    with transaction.atomic():  # the application and its audit row together or not at all
        app.save()
        auditing.record(actor, "relief_create", request=request, patient_id=patient.pk,
                        target=f"application:{app.pk}")
    return app


def update_draft(actor, app: ReliefApplication, data: dict, *, request=None) -> ReliefApplication:
    if not permissions.has(actor, permissions.RELIEF_FILE):
        _denied(actor, "relief_update", request, app=app)
    if app.state not in relief.EDITABLE_STATES:
        auditing.record(actor, "relief_update", request=request, outcome="conflict", patient_id=app.patient_id,
                     target=f"application:{app.pk}")
        raise errors.Conflict(f"申请当前状态为“{app.state_label}”，不能再修改申请内容")
    app = _apply_form(actor, app.patient, data, app, "relief_update", request)
    with transaction.atomic():  # the application and its audit row together or not at all
        app.save()
        auditing.record(actor, "relief_update", request=request, patient_id=app.patient_id,
                        target=f"application:{app.pk}")
    return app


# ---- the steps --------------------------------------------------------------------------------------

REFUSALS = {"role": errors.Forbidden, "state": errors.Conflict, "action": errors.Invalid}
OUTCOMES = {errors.Forbidden: "denied", errors.Conflict: "conflict", errors.Invalid: "invalid"}


def step(actor, app: ReliefApplication, action: str, data: dict | None = None, *, request=None) -> ReliefApplication:
    """Take one step of the annex's procedure, or refuse it with a Chinese message."""
    data = data or {}
    try:
        with transaction.atomic():
            locked = ReliefApplication.objects.select_for_update().select_related("patient").get(pk=app.pk)
            try:
                to = relief.target(locked.state, action, actor.role if actor.is_active else "")
            except relief.StepRefused as exc:
                raise REFUSALS[exc.kind](exc.message) from None
            cleaned = _clean(action, locked, data)
            getattr(_Steps, action)(actor, locked, cleaned, request)
            locked.state = to
            locked.save()
            auditing.record(actor, f"relief_{action}", request=request, patient_id=app.patient_id,
                            target=f"application:{app.pk}", detail={"state": to})
    except errors.ServiceError as exc:
        auditing.record(actor, f"relief_{action}", request=request, outcome=OUTCOMES.get(type(exc), "invalid"),
                     patient_id=app.patient_id, target=f"application:{app.pk}")
        raise
    return locked


def _clean(action: str, app: ReliefApplication, data: dict) -> dict:
    form_class = STEP_FORMS.get(action)
    if form_class is None:
        return {}
    kwargs = {}
    if action in ("village_review", "approve"):
        _, cfg = fund_config(app.patient.region_id)
        if cfg is None:
            raise errors.Invalid(NO_FUND)
        kwargs["options"] = cfg.options
    form = form_class(data=data, **kwargs)
    if not form.is_valid():
        raise errors.Invalid(errors.from_form(form))
    return form.cleaned_data


class _Steps:
    @staticmethod
    def submit(actor, app, data, request):
        for key, value in _premark_fields(app.patient, app.court_ordered).items():
            setattr(app, key, value)
        app.submitted_by, app.submitted_at = actor, timezone.now()

    @staticmethod
    def village_review(actor, app, data, request):
        app.village_opinion, app.village_option = data["opinion"], data.get("option") or ""
        app.village_by, app.village_at = actor, timezone.now()

    @staticmethod
    def village_reject(actor, app, data, request):
        app.village_opinion = f"不予推荐：{data['reason']}"
        app.village_by, app.village_at = actor, timezone.now()
        _rejected(actor, app, data["reason"], "village")

    @staticmethod
    def reject(actor, app, data, request):
        _rejected(actor, app, data["reason"], "township")

    @staticmethod
    def approve(actor, app, data, request):
        option = option_for(app.patient.region_id, data["option"])
        opinion = (data.get("opinion") or "").strip()
        if app.insurance_type == "none" and not opinion:
            raise errors.Invalid([errors.FieldError("opinion", f"乡镇审批意见：{UNINSURED_NOTE}；确需救助的请写明理由")])
        now = timezone.now()
        fund = fund_for(app.patient.region_id, timezone.localdate(now).year, lock=True)
        left = remaining(fund)
        override, reason = bool(data.get("budget_override")), (data.get("override_reason") or "").strip()
        problem = relief.budget_problem(data["amount"], left, override=override, reason=reason)
        if problem:
            raise errors.Invalid([errors.FieldError("override_reason" if override else "amount", problem)])
        over = relief.money(data["amount"]) > left
        app.township_option, app.township_option_label = option.code, option.label
        app.township_amount, app.township_opinion = relief.money(data["amount"]), opinion
        app.budget_override, app.override_reason = over, reason if over else ""
        app.township_by, app.township_at, app.fund = actor, now, fund
        ReliefLedgerEntry.objects.create(fund=fund, application=app, kind="commit", amount=app.township_amount,
                                         by=actor, note=f"审批：{option.label}" + ("（超出基金余额审批）" if over else ""))
        if over:
            auditing.record(actor, "relief_override", request=request, patient_id=app.patient_id,
                         target=f"application:{app.pk}",
                         detail={"amount": str(app.township_amount), "remaining": str(left)})

    @staticmethod
    def admit(actor, app, data, request):
        option = option_for(app.patient.region_id, app.township_option)
        cap = relief.relief_cap(food_percent=option.food_percent if option else 0,
                                medical_percent=option.medical_percent if option else 0,
                                total=data["total_cost"], food=data["food_cost"], insurance=data["insurance_paid"])
        problems = relief.check_amounts(total=data["total_cost"], food=data["food_cost"],
                                        insurance=data["insurance_paid"], relief=data["relief_paid"],
                                        self_paid=data["self_paid"], approved=app.township_amount, cap=cap)
        if problems:
            raise errors.Invalid([errors.FieldError(f, m) for f, m in problems])
        app.hospital, app.admission_date = data["hospital"], data["admission_date"]
        for key in ("total_cost", "food_cost", "insurance_paid", "relief_paid", "self_paid"):
            setattr(app, key, relief.money(data[key]))
        app.admitted_by, app.admitted_at = actor, timezone.now()
        if app.fund_id:
            ReliefLedgerEntry.objects.create(fund=app.fund, application=app, kind="release",
                                             amount=app.township_amount or 0, by=actor, note="入院结算，释放审批占用")
            ReliefLedgerEntry.objects.create(fund=app.fund, application=app, kind="payment", amount=app.relief_paid,
                                             by=actor, note=f"{app.hospital}救助支出")

    @staticmethod
    def close(actor, app, data, request):
        app.close_note = data.get("note") or ""
        app.closed_by, app.closed_at = actor, timezone.now()


def _rejected(actor, app, reason: str, stage: str):
    app.reject_reason, app.rejected_stage = reason, stage
    app.rejected_by, app.rejected_at = actor, timezone.now()


# ---- the fund ---------------------------------------------------------------------------------------

def fund_for(region_code: str, year: int, *, lock: bool = False) -> ReliefFund:
    """The fund of the county containing ``region_code`` for ``year``; created with the budget of the
    profile's [relief_fund] (``county_fund_config``)."""
    county = county_code_of(region_code)
    _, cfg = county_fund_config(county)
    budget = Decimal(str(cfg.annual_budget_yuan)) if cfg else Decimal("0")
    fund, _ = ReliefFund.objects.get_or_create(county=Region.objects.get(code=county), year=year,
                                               defaults={"budget_yuan": budget})
    if lock:
        fund = ReliefFund.objects.select_for_update().get(pk=fund.pk)
    return fund


def remaining(fund: ReliefFund) -> Decimal:
    return relief.remaining(fund.budget_yuan, fund.entries.values_list("kind", "amount"))


def fund_totals(fund: ReliefFund) -> dict:
    sums = {k: v or Decimal("0") for k, v in (
        (kind, fund.entries.filter(kind=kind).aggregate(s=Sum("amount"))["s"]) for kind in ("commit", "release", "payment"))}
    costs = fund.applications.filter(admitted_at__isnull=False).aggregate(total=Sum("total_cost"),
                                                                           own=Sum("self_paid"))
    share = (relief.money(Decimal(costs["own"]) * 100 / Decimal(costs["total"]))
             if costs["total"] else None)
    return {"budget": relief.money(fund.budget_yuan), "held": relief.money(sums["commit"] - sums["release"]),
            "paid": relief.money(sums["payment"]), "remaining": remaining(fund), "self_paid_percent": share}


def set_budget(actor, fund: ReliefFund, data: dict, *, request=None) -> ReliefFund:
    if not permissions.has(actor, permissions.FUND_EDIT):
        auditing.record(actor, "fund_update", request=request, outcome="denied", target=f"fund:{fund.pk}")
        raise errors.Forbidden("住院救助基金预算由县（区）卫生健康部门调整")
    before = fund.budget_yuan
    form = BudgetForm(data=data, instance=fund)
    if not form.is_valid():
        raise errors.Invalid(errors.from_form(form))
    fund = form.save(commit=False)
    fund.updated_by = actor
    with transaction.atomic():  # the budget and its audit row together or not at all
        fund.save()
        auditing.record(actor, "fund_update", request=request, target=f"fund:{fund.pk}",
                        detail={"before": str(before), "after": str(fund.budget_yuan)})
    return fund


# ---- the quarterly summary for the district health commission ------------------------------------

def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - dt.timedelta(days=1)
    return start, end


def _in(value, start: dt.date, end: dt.date) -> bool:
    return value is not None and start <= timezone.localtime(value).date() <= end


def quarterly(apps, year: int, quarter: int, options) -> list[dict]:
    """Per township: filed, approved (count, amount, by option), rejected, admitted and paid in the quarter."""
    start, end = quarter_bounds(year, quarter)
    rows: dict[str, dict] = {}
    for a in apps:
        r = rows.setdefault(a.township_code, {"township": a.township_code, "filed": 0, "approved": 0,
                                              "approved_amount": Decimal("0"), "rejected": 0, "admitted": 0,
                                              "paid": Decimal("0"), "total_cost": Decimal("0"),
                                              "by_option": {o.code: [0, Decimal("0")] for o in options}})
        r["filed"] += _in(a.submitted_at, start, end)
        if _in(a.township_at, start, end):
            r["approved"] += 1
            r["approved_amount"] += a.township_amount or 0
            slot = r["by_option"].setdefault(a.township_option, [0, Decimal("0")])
            slot[0] += 1
            slot[1] += a.township_amount or 0
        r["rejected"] += _in(a.rejected_at, start, end)
        if _in(a.admitted_at, start, end):
            r["admitted"] += 1
            r["paid"] += a.relief_paid or 0
            r["total_cost"] += a.total_cost or 0
    return [r for _, r in sorted(rows.items()) if r["filed"] or r["approved"] or r["rejected"] or r["admitted"]]
