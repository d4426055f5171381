"""Treatment cost burden (薛城区2016 一（二）3: 贫困严重精神障碍患者门诊和住院医疗费用平均自付比例不超过10%;
二（三）1: 医保先报、民政救助、残联（慈善）补助, 政策范围内住院费用支付比例不低于70%).

The rules are pure and live in cost_rules.py (``check_parts``, ``is_poor``, ``burden``); the readers take the user's patients
from registry.selectors; ``save_episode`` / ``delete_episode`` are the one service per write, each
audited in the same transaction. An episode linked to a hospitalisation relief application reads its
救助基金支付 from the application (never typed twice).
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction

from jingfang.core import errors
from jingfang.core.errors import FieldError
from jingfang.followups import engine
from jingfang.regions import codes
from jingfang.registry import selectors as patient_selectors

from . import auditing, permissions, vocab
from .cost_rules import ZERO, EpisodeFact, burden
from .models import Benefit, CostEpisode, ReliefApplication

# ---- reading ----------------------------------------------------------------------------------------

def poor_days(patient_ids) -> dict[int, list[tuple[dt.date, dt.date | None]]]:
    """The spans of the poverty benefits of these patients."""
    out: dict[int, list] = defaultdict(list)
    for pid, since, until in (Benefit.objects.filter(patient_id__in=set(patient_ids), kind__in=vocab.POOR_BENEFIT_KINDS)
                              .values_list("patient_id", "since", "until")):
        out[pid].append((since, until))
    return out


def poor_on(spans: dict, patient_id: int, day: dt.date) -> bool:
    return any(since <= day and (until is None or until >= day) for since, until in spans.get(patient_id, ()))


def episode_facts(in_range: dict, end: dt.date):
    """Plain rows of the episodes (of patients in ``in_range``) begun by ``end``, for the KPI engine."""
    qs = (CostEpisode.objects.filter(**in_range, start__lte=end).select_related("relief")
          .only("patient_id", "kind", "start", "total_cost", "policy_cost", "insurance_paid", "serious_illness_paid",
                "assistance_paid", "own_relief_paid", "dpf_paid", "other_paid", "relief__relief_paid"))
    for e in qs:
        yield {"patient_id": e.patient_id, "start": e.start, "total": e.total_cost, "self_paid": e.self_paid,
               "inpatient": e.kind == "inpatient", "policy_cost": e.policy_cost,
               "insured": e.insurance_paid + e.serious_illness_paid}


def episodes_for(user):
    """Cost episodes of the patients the user may see (costs are for health and civil affairs only)."""
    if not permissions.has(user, permissions.COSTS_VIEW):
        return CostEpisode.objects.none()
    return (CostEpisode.objects.filter(patient__in=patient_selectors.patients_for(user))
            .select_related("patient", "patient__region", "relief"))


def filter_episodes(qs, *, region_code: str = "", year: int | None = None, kind: str = ""):
    if region_code:
        if not codes.is_valid_code(region_code):
            return qs.none()
        lo, hi = codes.code_range(region_code)
        qs = qs.filter(patient__region_id__gte=lo, patient__region_id__lte=hi)
    if year:
        qs = qs.filter(start__year=year)
    if kind in vocab.EPISODE_KINDS:
        qs = qs.filter(kind=kind)
    return qs


def poor_flags(episodes) -> dict[int, bool]:
    """Episode id -> was the patient poor on its date (benefits) or recorded as poor."""
    episodes = list(episodes)
    spans = poor_days([e.patient_id for e in episodes])
    return {e.pk: e.patient.economic_status == "poor" or poor_on(spans, e.patient_id, e.start) for e in episodes}


def burden_rows(user, *, year: int, region_code: str = "", limit: int = 50) -> list[dict]:
    """The poor patients with the highest self-paid sums in the year (for civil affairs' follow-up)."""
    episodes = list(filter_episodes(episodes_for(user), region_code=region_code, year=year))
    poor = poor_flags(episodes)
    patients = {e.patient_id: e.patient for e in episodes}
    rows = burden([EpisodeFact(e.patient_id, e.total_cost, e.self_paid) for e in episodes if poor[e.pk]], limit)
    for row in rows:
        row["p"] = patients[row["patient_id"]]
    return rows


def township_shares(episodes) -> list[dict]:
    """Per township: the poor patients' self-paid share and the in-policy inpatient insurance share."""
    episodes = list(episodes)
    poor = poor_flags(episodes)
    by: dict[str, dict] = {}
    for e in episodes:
        code = e.patient.region_id[:9] + "000"
        t = by.setdefault(code, {"code": code, "total": ZERO, "self_paid": ZERO, "policy": ZERO, "insured": ZERO})
        if poor[e.pk]:
            t["total"] += e.total_cost
            t["self_paid"] += e.self_paid
        if e.kind == "inpatient" and e.policy_cost:
            t["policy"] += e.policy_cost
            t["insured"] += e.insurance_paid + e.serious_illness_paid
    from jingfang.regions.models import Region

    names = dict(Region.objects.filter(code__in=by).values_list("code", "name"))
    for t in by.values():
        t["name"] = names.get(t["code"], t["code"])
        t["self_paid_percent"] = (t["self_paid"] * 100 / t["total"]).quantize(Decimal("0.1")) if t["total"] else None
        t["insured_percent"] = (t["insured"] * 100 / t["policy"]).quantize(Decimal("0.1")) if t["policy"] else None
    return sorted(by.values(), key=lambda t: t["code"])


def targets_of(region_code: str) -> dict:
    profile = engine.profile_for(region_code)
    return {"self_paid_max": profile.targets.poor_self_paid_max_percent if profile.targets else None,
            "insured_min": profile.benefits.inpatient_reimbursement_min_percent if profile.benefits else None}


def reliefs_to_record(user):
    """Admitted relief applications (with their amounts) of the user's patients that no episode records yet."""
    if not permissions.has(user, permissions.COSTS_VIEW):
        return ReliefApplication.objects.none()
    return (ReliefApplication.objects.filter(patient__in=patient_selectors.patients_for(user),
                                             state__in=("admitted", "closed"), total_cost__isnull=False,
                                             cost_episode__isnull=True)
            .select_related("patient", "patient__region").order_by("-admission_date", "-id"))


# ---- writing ----------------------------------------------------------------------------------------

MONEY_FIELDS = ("total_cost", "policy_cost", "insurance_paid", "serious_illness_paid", "assistance_paid",
                "own_relief_paid", "dpf_paid", "other_paid")


def _relief_for(actor, patient, relief_id, current: CostEpisode | None) -> ReliefApplication | None:
    if relief_id in (None, ""):
        return None
    app = ReliefApplication.objects.filter(pk=relief_id, patient=patient).first() if str(relief_id).isdigit() else None
    if app is None or app.state not in ("admitted", "closed") or app.total_cost is None:
        raise errors.Invalid([FieldError("relief_id", "住院救助申请：应为该患者已办理入院的住院救助申请")])
    other = CostEpisode.objects.filter(relief=app).exclude(pk=getattr(current, "pk", None)).first()
    if other is not None:
        raise errors.Invalid([FieldError("relief_id", f"住院救助申请：该申请已登记为医疗费用记录{other.pk}")])
    return app


def save_episode(actor, patient, data: dict, episode: CostEpisode | None = None, *, request=None) -> CostEpisode:
    """Create (``episode`` None) or change one cost episode of a patient the actor may see (the caller
    fetched the patient scoped). ``data``: the form's fields, and ``relief_id`` to link an admitted relief
    application of the same patient (its hospital, admission date and total are taken when not given;
    its 救助基金支付 is read through the link). Refused with a Chinese message naming the field."""
    from .forms import CostEpisodeForm

    action = "cost_update" if episode else "cost_create"
    if not permissions.has(actor, permissions.COSTS_EDIT):
        auditing.record(actor, action, request=request, outcome="denied", patient_id=patient.pk)
        raise errors.Forbidden(f"医疗费用由{permissions.roles_text(permissions.COSTS_EDIT)}登记")
    data = dict(data)
    if not permissions.sees_cost_details(actor):
        # a field the role never reads is never written either: the stored value (or nothing) stays
        unwritable = sorted(f for f in permissions.COSTS_HEALTH_FIELDS
                            if data.get(f) not in (None, "") and str(data[f]) != str(getattr(episode, f, "")))
        if unwritable:
            auditing.record(actor, action, request=request, outcome="denied", patient_id=patient.pk,
                            detail={"fields": unwritable})
            labels = {"hospital": "医疗机构", "note": "说明"}
            raise errors.Forbidden([FieldError(f, f"{labels[f]}：您的角色不填写、不查看此项（由卫生健康人员登记）")
                                    for f in unwritable])
        for f in permissions.COSTS_HEALTH_FIELDS:
            data.pop(f, None)
    try:
        app = _relief_for(actor, patient, data.pop("relief_id", getattr(episode, "relief_id", None)), episode)
    except errors.Invalid:
        auditing.record(actor, action, request=request, outcome="invalid", patient_id=patient.pk,
                        detail={"fields": ["relief_id"]})
        raise
    if app is not None:
        data["kind"] = "inpatient"
        for key, value in (("hospital", app.hospital), ("total_cost", str(app.total_cost)),
                           ("start", app.admission_date.isoformat() if app.admission_date else "")):
            if data.get(key) in (None, ""):
                data[key] = value
        if data.get("insurance_paid") in (None, "") and app.insurance_paid is not None:
            data["insurance_paid"] = str(app.insurance_paid)
        data["own_relief_paid"] = "0"
    details = permissions.sees_cost_details(actor)
    form = CostEpisodeForm(data=data, instance=episode, relief=app, details=details)
    if not form.is_valid():
        auditing.record(actor, action, request=request, outcome="invalid", patient_id=patient.pk,
                        detail={"fields": sorted(form.errors)})
        raise errors.Invalid(errors.from_form(form))
    with transaction.atomic():  # the episode and its audit row together or not at all
        obj = form.save(commit=False)
        obj.patient, obj.relief = patient, app
        if app is not None and not obj.hospital:
            obj.hospital = app.hospital
        if episode is None:
            obj.recorded_by = actor
        obj.updated_by = actor
        obj.save()
        auditing.record(actor, action, request=request, patient_id=patient.pk, target=f"cost:{obj.pk}",
                        detail={"kind": obj.kind, "relief": app.pk if app else None})
    return obj


def delete_episode(actor, episode: CostEpisode, *, request=None) -> None:
    """Remove a wrongly entered episode (the linked relief application stays as it is)."""
    if not permissions.has(actor, permissions.COSTS_EDIT):
        auditing.record(actor, "cost_delete", request=request, outcome="denied", patient_id=episode.patient_id)
        raise errors.Forbidden("您的角色无权删除医疗费用记录")
    with transaction.atomic():
        auditing.record(actor, "cost_delete", request=request, patient_id=episode.patient_id,
                        target=f"cost:{episode.pk}", detail={"kind": episode.kind})
        episode.delete()
