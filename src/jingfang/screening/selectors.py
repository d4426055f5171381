"""The only way to read leads and campaigns: every queryset starts from the user's jurisdiction.

A lead's (or a listed person's) village code decides who sees it, with the same range as patients
(registry.selectors.jurisdiction_range). A campaign is visible to users inside its region and to those
above it; each user sees only the listed persons in their own jurisdiction. Outside: 404, audited.
"""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from jingfang.audit import log as audit
from jingfang.core import idnumber
from jingfang.regions import codes
from jingfang.registry import disclosure
from jingfang.registry import selectors as patient_selectors

from . import vocab
from .models import Campaign, Lead, Person
from .permissions import VIEW_SCREENING, can

OTHER_JURISDICTION_PATIENT = "该身份证号已在其他辖区建档"
OTHER_JURISDICTION_LEAD = "该身份证号已在其他辖区报告为疑似线索"
UNVERIFIED = "该身份证号是否已在其他辖区建档或报告需县级核实（今日可核对的身份证号已达上限）"


def scope(user) -> tuple[str, str] | None:
    if user is None or not user.is_authenticated or not can(user, VIEW_SCREENING):
        return None
    return patient_selectors.jurisdiction_range(user)


def _in_range(qs: QuerySet, rng, field: str = "region_id") -> QuerySet:
    if rng is None:
        return qs.none()
    return qs.filter(**{f"{field}__gte": rng[0], f"{field}__lte": rng[1]})


def leads_for(user) -> QuerySet[Lead]:
    return _in_range(Lead.objects.all(), scope(user))


def search_leads(user, *, state: str = "", region_code: str = "", source: str = "",
                 dangerous: bool | None = None) -> QuerySet[Lead]:
    qs = leads_for(user)
    if state:
        qs = qs.filter(state=state) if state != "open" else qs.filter(state__in=vocab.OPEN_STATES)
    if region_code:
        qs = _in_range(qs, codes.code_range(region_code) if codes.is_valid_code(region_code) else None)
    if source:
        qs = qs.filter(source=source)
    if dangerous is not None:
        qs = qs.filter(dangerous=dangerous)
    return qs.select_related("region", "reporter")


def _get_for(request, model, qs, pk, kind: str, action: str, audit_success: bool, message: str):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        audit.record_request(request, action, outcome="not_found", target=f"{kind}:{str(pk)[:40]}")
        raise Http404(message) from None
    obj = qs.filter(pk=pk).first()
    if obj is None:
        exists = model.objects.filter(pk=pk).exists()
        audit.record_request(request, action, outcome="denied" if exists else "not_found", target=f"{kind}:{pk}")
        raise Http404(message)
    if audit_success:
        audit.record_request(request, action, target=f"{kind}:{pk}",
                             patient_id=getattr(obj, "patient_id", None))
    return obj


def get_lead_for(request, pk, *, action: str = "view", audit_success: bool = True) -> Lead:
    """The lead if the requesting user may see it; otherwise 404 like a missing one, audited either way."""
    qs = leads_for(request.user).select_related("region", "reporter", "patient")
    return _get_for(request, Lead, qs, pk, "lead", action, audit_success, "线索不存在")


def ancestor_codes(code: str) -> list[str]:
    """The code and the codes of the regions above it."""
    out = []
    for level in range(codes.level_of(code), codes.PROVINCE - 1, -1):
        prefix = code[: codes.PREFIX_LENGTH[level]]
        out.append(prefix + "0" * (12 - len(prefix)))
    return out


def campaigns_for(user) -> QuerySet[Campaign]:
    rng = scope(user)
    if rng is None:
        return Campaign.objects.none()
    inside = Q(region_id__gte=rng[0], region_id__lte=rng[1])
    above = Q(region_id__in=ancestor_codes(user.region_id))
    return Campaign.objects.filter(inside | above).select_related("region")


def get_campaign_for(request, pk, *, action: str = "view", audit_success: bool = True) -> Campaign:
    qs = campaigns_for(request.user).prefetch_related("phases")
    return _get_for(request, Campaign, qs, pk, "campaign", action, audit_success, "摸排行动不存在")


def persons_for(user, campaign: Campaign) -> QuerySet[Person]:
    """The campaign's listed persons inside the user's jurisdiction (and the campaign's region)."""
    lo, hi = codes.code_range(campaign.region_id)
    qs = _in_range(campaign.persons.all(), scope(user)).filter(region_id__gte=lo, region_id__lte=hi)
    return qs.select_related("region", "patient").prefetch_related("listings")


def get_person_for(request, campaign: Campaign, pk, *, action: str = "view") -> Person:
    qs = persons_for(request.user, campaign)
    return _get_for(request, Person, qs, pk, "campaign_person", action, False, "摸排对象不存在")


def search_persons(user, campaign, *, region_code: str = "", group: str = "", department: str = "",
                   whereabouts: str = "", progress: str = "") -> QuerySet[Person]:
    qs = persons_for(user, campaign)
    if region_code:
        qs = _in_range(qs, codes.code_range(region_code) if codes.is_valid_code(region_code) else None)
    if group:
        qs = qs.filter(listings__group=group).distinct()
    if department:
        qs = qs.filter(listings__department=department).distinct()
    if whereabouts:
        qs = qs.filter(whereabouts=whereabouts if whereabouts != "none" else "")
    if progress == "not_assessed":
        qs = qs.filter(Person.AWAITING_ASSESSMENT)
    elif progress == "to_enter":
        qs = qs.filter(assessment_result="confirmed", patient__isnull=True)
    elif progress == "entered":
        qs = qs.filter(patient__isnull=False)
    return qs


def progress(user, campaign: Campaign) -> dict:
    """Per village in the user's view: listed, assessed, entered (当阳乡2022: 摸排、诊断评估、入库)."""
    rows = list(
        persons_for(user, campaign).order_by().values("region_id", "region__name").annotate(
            listed=Count("id", distinct=True),
            assessed=Count("id", filter=~Person.AWAITING_ASSESSMENT, distinct=True),
            confirmed=Count("id", filter=Person.CONFIRMED, distinct=True),
            entered=Count("id", filter=Q(patient__isnull=False), distinct=True),
        ).order_by("region_id")
    )
    villages = [{"code": r["region_id"], "name": r["region__name"], **{k: r[k] for k in
                 ("listed", "assessed", "confirmed", "entered")}} for r in rows]
    totals = {k: sum(v[k] for v in villages) for k in ("listed", "assessed", "confirmed", "entered")}
    return {"villages": villages, "totals": totals}


# Possible duplicates of a new lead ---------------------------------------------------------------
def lead_duplicates(user, *, id_number: str = "", name: str = "", birth_date=None, region_code: str = "",
                    exclude_lead: int | None = None, request=None) -> list[dict]:
    """What a new lead may duplicate: the same ID number (a patient's file or an open lead), or the same
    name + birth date + village. Outside the user's jurisdiction the answer comes from the one gate
    (registry.disclosure): only a doctor within their daily quota is told the fact, never where; past the
    quota an "unverified" entry says 需县级核实 (it does not block the lead); other roles are told nothing."""
    out: list[dict] = []
    number = idnumber.normalize(id_number)
    mine_patients = patient_selectors.patients_for(user)
    mine_leads = leads_for(user).filter(state__in=vocab.OPEN_STATES).exclude(pk=exclude_lead)
    seen_patients, seen_leads = set(), set()
    if len(number) == 18:
        for p in mine_patients.filter(id_number=number).select_related("region"):
            seen_patients.add(p.pk)
            out.append(_patient_hit(p, "身份证号相同"))
        answer = None
        if not seen_patients:
            answer = disclosure.check(user, [number], purpose="lead_duplicates", request=request)
            if number in answer.elsewhere:
                out.append({"kind": "patient", "reason": "身份证号相同", "message": OTHER_JURISDICTION_PATIENT,
                            "id": None, "visible": False})
        for lead in mine_leads.filter(id_number=number).select_related("region"):
            seen_leads.add(lead.pk)
            out.append(_lead_hit(lead, "身份证号相同"))
        if not seen_leads and (answer is None or number in answer.told):
            others = Lead.objects.filter(id_number=number, state__in=vocab.OPEN_STATES).exclude(pk=exclude_lead)
            if others.exists():
                out.append({"kind": "lead", "reason": "身份证号相同", "message": OTHER_JURISDICTION_LEAD,
                            "id": None, "visible": False})
        if answer is not None and number in answer.unverified:
            out.append({"kind": "unverified", "reason": "身份证号", "message": UNVERIFIED, "id": None,
                        "visible": False})
    name = (name or "").strip()
    if name and birth_date and region_code:
        same = {"name": name, "birth_date": birth_date, "region_id": region_code}
        for p in mine_patients.filter(**same).exclude(pk__in=seen_patients).select_related("region"):
            out.append(_patient_hit(p, "姓名、出生日期、村（社区）相同"))
        for lead in mine_leads.filter(**same).exclude(pk__in=seen_leads).select_related("region"):
            out.append(_lead_hit(lead, "姓名、出生日期、村（社区）相同"))
    return out


def _patient_hit(p, reason: str) -> dict:
    return {"kind": "patient", "reason": reason, "id": p.pk, "visible": True,
            "message": f"已有患者档案：{p.name}，{p.region.name}（患者编号{p.pk}）"}


def _lead_hit(lead, reason: str) -> dict:
    return {"kind": "lead", "reason": reason, "id": lead.pk, "visible": True,
            "message": f"已有未办结的疑似线索：{lead.name}，{lead.region.name}，"
                       f"{lead.found_on:%Y-%m-%d}发现（{vocab.LEAD_STATES[lead.state]}）"}
