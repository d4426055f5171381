"""Guardian reward runs and the liability-insurance roster: the writes and the rosters.

A run is one township's rewards for one period (a month; a year when the profile pays per year). It is
recomputed from the data on demand until the township marks it paid; then it is frozen.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jingfang.core import clock, errors
from jingfang.core import vocab as core_vocab
from jingfang.followups import engine
from jingfang.regions import codes
from jingfang.registry import selectors as patient_selectors
from jingfang.registry.models import Guardian

from . import auditing, facts_rewards, permissions, rewards
from .forms import ComputeRunForm, WithholdForm
from .models import RewardLine, RewardRun, RewardWithhold


def _refuse(actor, action: str, message: str, request=None, target: str = ""):
    auditing.record(actor, action, request=request, outcome="denied", target=target)
    raise errors.Forbidden(message)


def rule_for(township_code: str) -> tuple[object, rewards.RewardRule | None]:
    profile = engine.profile_for(township_code)
    return profile, rewards.RewardRule.from_profile(profile)


def min_risk_of(township_code: str) -> int:
    """The risk level named in a run's grounds: the reward rule's ``min_risk``; where the township's
    profile no longer defines a reward (a run computed before it was dropped), the profile's key-person
    threshold, which the profiles' reward rules follow."""
    profile, rule = rule_for(township_code)
    return rule.min_risk if rule else profile.key_person.risk_threshold


def township_patients(actor, township_code: str):
    lo, hi = codes.code_range(township_code)
    return patient_selectors.patients_for(actor).filter(region_id__gte=lo, region_id__lte=hi)


def compute_run(actor, data: dict, *, request=None) -> RewardRun:
    """Create or recompute the run for data = {township, year, month}. Township offices only."""
    from .selectors import in_scope

    if not permissions.has(actor, permissions.REWARD_MANAGE):
        _refuse(actor, "reward_compute", "只有乡镇综治中心/平安办可以计算监护人以奖代补", request)
    form = ComputeRunForm(data=data)
    if not form.is_valid():
        raise errors.Invalid(errors.from_form(form))
    code, year, month = form.cleaned_data["township"], form.cleaned_data["year"], form.cleaned_data["month"]
    from jingfang.regions.models import Region

    township = Region.objects.filter(code=code, level=codes.TOWNSHIP).first()
    if township is None or not in_scope(actor, code):
        raise errors.Invalid([errors.FieldError("township", "乡镇（街道）：不在您的辖区内或不存在")])
    profile, rule = rule_for(code)
    if rule is None:
        raise errors.Invalid([errors.FieldError("township", f"{profile.title}：{rewards.NO_RULE}，无需计算")])
    if rule.per == "month" and not month:
        raise errors.Invalid([errors.FieldError("month", "月份：按月发放的奖补须指定月份")])
    period = rewards.Period.for_rule(rule, year, month)
    if period.start > clock.today():
        raise errors.Invalid([errors.FieldError("month" if rule.per == "month" else "year",
                                                f"{period.label}尚未开始，不能计算")])
    key = month if rule.per == "month" else 0
    with transaction.atomic():  # a new run is kept only with its computation and audit row
        run, created = RewardRun.objects.get_or_create(
            township=township, year=year, month=key,
            defaults={"per": rule.per, "profile_name": profile.name, "amount_yuan": rule.amount_yuan})
        if created:  # not paid, so no refusal (whose audit row must outlive this transaction) can come
            return _locked_recompute(actor, run, request=request)
    return _locked_recompute(actor, run, request=request)


def recompute(actor, run: RewardRun, *, request=None) -> RewardRun:
    if not permissions.has(actor, permissions.REWARD_MANAGE):
        _refuse(actor, "reward_compute", "只有乡镇综治中心/平安办可以计算监护人以奖代补", request, f"reward_run:{run.pk}")
    return _locked_recompute(actor, run, request=request)


def _locked_recompute(actor, run: RewardRun, *, request=None, before=None) -> RewardRun:
    """Recompute under a row lock; ``before(run)`` runs first in the same transaction."""
    try:
        with transaction.atomic():
            run = RewardRun.objects.select_for_update().get(pk=run.pk)
            if run.paid:
                raise errors.Conflict(f"{run.period_label}的奖补已于{timezone.localtime(run.paid_at):%Y-%m-%d}"
                                      "标记发放，不能修改或重算")
            if before is not None:
                before(run)
            return _recompute(actor, run, request=request)
    except errors.Conflict:
        auditing.record(actor, "reward_compute", request=request, outcome="conflict", target=f"reward_run:{run.pk}")
        raise


def _recompute(actor, run: RewardRun, *, request=None) -> RewardRun:
    profile, rule = rule_for(run.township_id)
    if rule is None:
        raise errors.Invalid(f"{profile.title}：{rewards.NO_RULE}")
    period = rewards.Period.for_rule(rule, run.year, run.month or None)
    withheld = dict(run.withholds.values_list("patient_id", "reason"))
    patients = township_patients(actor, run.township_id).only(
        "pk", "name", "region_id", "key_person", "past_dangerous_acts", "registered_on", "death_date",
        "risk_level", "condition")
    facts = facts_rewards.facts_for(patients, period, withheld)
    results = rewards.compute(rule, period, facts)
    names = {f.patient_id: (f.name, f.village_code) for f in facts}
    guardians = _guardians({r.patient_id for r in results}, {r.guardian_id for r in results if r.guardian_id})
    run.lines.all().delete()
    lines = []
    for r in results:
        g = guardians["by_id"].get(r.guardian_id) or (None if r.guardian_name else guardians["primary"].get(r.patient_id))
        lines.append(RewardLine(
            run=run, patient_id=r.patient_id, village_code=names[r.patient_id][1], patient_name=names[r.patient_id][0],
            guardian=g, guardian_name=r.guardian_name or (g.name if g else ""),
            guardian_relation=core_vocab.GUARDIAN_RELATIONS.get(g.relation, "") if g else "",
            agreement_id=r.agreement_id, eligible=r.eligible, amount=r.amount, grounds=list(r.grounds),
            problems=list(r.problems), covered_months=r.covered_months))
    RewardLine.objects.bulk_create(lines)
    t = rewards.totals(results)
    run.per, run.profile_name, run.amount_yuan, run.cite = rule.per, profile.name, rule.amount_yuan, rule.cite[:200]
    run.line_count, run.eligible_count, run.total_amount = t.lines, t.eligible, t.amount
    run.computed_at, run.computed_by = timezone.now(), actor
    run.save()
    auditing.record(actor, "reward_compute", request=request, target=f"reward_run:{run.pk}",
                 detail={"lines": t.lines, "eligible": t.eligible, "period": run.period_label})
    return run


def _guardians(patient_ids, guardian_ids) -> dict:
    by_id = {g.pk: g for g in Guardian.objects.filter(pk__in=guardian_ids)}
    primary = {}
    for g in Guardian.objects.filter(patient_id__in=patient_ids).order_by("-is_primary", "id"):
        primary.setdefault(g.patient_id, g)
    return {"by_id": by_id, "primary": primary}


def withhold(actor, run: RewardRun, data: dict, *, request=None) -> RewardRun:
    """Withhold one line's reward for this period (the guardian did not perform), then recompute."""
    if not permissions.has(actor, permissions.REWARD_MANAGE):
        _refuse(actor, "reward_withhold", "只有乡镇综治中心/平安办可以停发奖补", request, f"reward_run:{run.pk}")
    form = WithholdForm(data=data)
    if not form.is_valid():
        raise errors.Invalid(errors.from_form(form))
    pid = form.cleaned_data["patient"]
    if not run.lines.filter(patient_id=pid).exists():
        raise errors.Invalid([errors.FieldError("patient", "患者：不在本批次名单中")])

    def save(locked):
        RewardWithhold.objects.update_or_create(run=locked, patient_id=pid,
                                                defaults={"reason": form.cleaned_data["reason"], "by": actor})
        auditing.record(actor, "reward_withhold", request=request, patient_id=pid, target=f"reward_run:{run.pk}")

    return _locked_recompute(actor, run, request=request, before=save)


def restore(actor, run: RewardRun, patient_id: int, *, request=None) -> RewardRun:
    """Take back a withholding, then recompute."""
    if not permissions.has(actor, permissions.REWARD_MANAGE):
        _refuse(actor, "reward_withhold", "只有乡镇综治中心/平安办可以恢复奖补", request, f"reward_run:{run.pk}")

    def delete(locked):
        locked.withholds.filter(patient_id=patient_id).delete()
        auditing.record(actor, "reward_restore", request=request, patient_id=patient_id, target=f"reward_run:{run.pk}")

    return _locked_recompute(actor, run, request=request, before=delete)


def mark_paid(actor, run: RewardRun, *, request=None) -> RewardRun:
    if not permissions.has(actor, permissions.REWARD_MANAGE):
        _refuse(actor, "reward_paid", "只有乡镇综治中心/平安办可以标记发放", request, f"reward_run:{run.pk}")
    with transaction.atomic():
        run = RewardRun.objects.select_for_update().get(pk=run.pk)
        if run.paid:
            raise errors.Conflict("本批次已标记发放")
        if run.computed_at is None:
            raise errors.Conflict("本批次尚未计算")
        run.paid_at, run.paid_by = timezone.now(), actor
        run.save(update_fields=["paid_at", "paid_by"])
        auditing.record(actor, "reward_paid", request=request, target=f"reward_run:{run.pk}",
                        detail={"eligible": run.eligible_count, "amount": str(run.total_amount)})
    return run


# ---- rosters ----------------------------------------------------------------------------------------

def village_names(codes_) -> dict[str, str]:
    from jingfang.regions.models import Region

    return dict(Region.objects.filter(code__in=set(codes_)).values_list("code", "name"))


def payment_roster(run: RewardRun) -> tuple[str, list[str], list[list]]:
    """The payment roster (发放花名册): eligible lines, a total row and signature lines."""
    lines = list(run.lines.filter(eligible=True))
    villages = village_names(line.village_code for line in lines)
    profile = engine.profile_for(run.township_id)
    payer = (profile.guardian_reward.payer if profile.guardian_reward else "") or "乡镇（街道）"
    title = f"{run.township.name}{run.period_label}监护人以奖代补发放花名册"
    headers = ["序号", "村（社区）", "患者姓名", "监护人", "与患者关系", "计发月数", "金额（元）", "监护人签领"]
    rows: list[list] = []
    for i, line in enumerate(lines, start=1):
        rows.append([i, villages.get(line.village_code, line.village_code), line.patient_name, line.guardian_name,
                     line.guardian_relation, line.covered_months, float(line.amount), ""])
    total = sum((line.amount for line in lines), Decimal("0.00"))
    rows.append(["合计", "", f"{len(lines)}人", "", "", "", float(total), ""])
    rows.append([])
    rows.append([f"标准：{run.amount_yuan}元/人/{'月' if run.per == 'month' else '年'}；依据：{run.cite}；发放单位：{payer}"])
    rows.append(["经办人（签字）：", "", "", "审核人（签字）：", "", "", "乡镇（街道）负责人（签字）：", ""])
    rows.append(["", "", "", "", "", "", "（盖章）　　年　　月　　日", ""])
    return title, headers, rows


def insurance_roster(actor, township_code: str, year: int) -> dict:
    """Every patient registered in the township for the year, with the premium and the township share."""
    profile = engine.profile_for(township_code)
    ins = profile.liability_insurance
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    patients = list(township_patients(actor, township_code).filter(registered_on__lte=end)
                    .exclude(death_date__lt=start).select_related("region").order_by("region_id", "name", "id"))
    premium = Decimal(str(ins.premium_yuan_per_person_year)).quantize(Decimal("0.01")) if ins else None
    share = (Decimal(str(ins.township_share_yuan_per_person)).quantize(Decimal("0.01"))
             if ins and ins.township_share_yuan_per_person is not None else None)
    n = len(patients)
    return {
        "profile": profile, "insurance": ins, "year": year, "patients": patients, "count": n,
        "premium": premium, "township_share": share,
        "district_share": (premium - share) if premium is not None and share is not None else None,
        "total": premium * n if premium is not None else None,
        "township_total": share * n if share is not None else None,
        "district_total": (premium - share) * n if premium is not None and share is not None else None,
    }


def insurance_rows(data: dict) -> tuple[list[str], list[list]]:
    headers = ["序号", "村（社区）", "患者姓名", "性别", "在管状态", "建档日期", "保费（元/人/年）", "其中乡镇承担（元）"]
    rows = []
    for i, p in enumerate(data["patients"], start=1):
        rows.append([i, p.region.name, p.name, p.get_sex_display(), p.get_status_display(), p.registered_on.isoformat(),
                     float(data["premium"] or 0), float(data["township_share"] or 0)])
    rows.append(["合计", "", f"{data['count']}人", "", "", "", float(data["total"] or 0),
                 float(data["township_total"] or 0)])
    return headers, rows
