"""Writes to screening campaigns (当阳乡2022): create, list persons (once across departments), import
candidates from the files, record whereabouts/assessment/entry. Validate, write, audit (no names)."""

from django.db import IntegrityError, transaction
from django.db.models import Q

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import errors
from jingfang.regions import codes
from jingfang.registry import selectors as patient_selectors

from . import selectors, vocab
from .forms_campaigns import CampaignForm, ListingForm, PersonForm
from .models import Campaign, Listing, Person, Phase
from .permissions import ASSESS_PERSONS, LIST_PERSONS, MANAGE_CAMPAIGNS, can


def _require(actor, action: str, request=None, target: str = "", audit_action: str = "update"):
    if not can(actor, action):
        audit.record(actor, audit_action, request=request, outcome="denied", target=target)
        raise errors.Forbidden("您的角色无权执行此操作")


def _invalid(actor, form, request, audit_action: str, target: str) -> errors.Invalid:
    audit.record(actor, audit_action, request=request, outcome="invalid", target=target,
                 detail={"fields": sorted(form.errors)})
    return errors.Invalid(errors.from_form(form))


def create_campaign(actor, data: dict, *, request=None) -> Campaign:
    """A campaign over the creating user's region, with its four phases in order and not overlapping."""
    _require(actor, MANAGE_CAMPAIGNS, request, "campaign", audit_action="create")
    form = CampaignForm(data=data)
    if not form.is_valid():
        raise _invalid(actor, form, request, "create", "campaign")
    cd = form.cleaned_data
    with transaction.atomic():
        campaign = Campaign.objects.create(name=cd["name"], region=actor.region, risk_since=cd["risk_since"],
                                           notes=cd.get("notes", ""), created_by=actor)
        Phase.objects.bulk_create(Phase(campaign=campaign, phase=p, start=s, end=e) for p, s, e in form.phases())
        audit.record(actor, "create", request=request, target=f"campaign:{campaign.pk}")
    return campaign


def department_of(user) -> str:
    return vocab.ROLE_DEPARTMENT.get(user.role, "")


def find_person(campaign: Campaign, *, id_number: str, name: str, birth_date, region_code: str) -> Person | None:
    """The person already on the list: by ID number; failing that by name + birth date + village (but
    never one that carries a different ID number)."""
    if id_number:
        hit = campaign.persons.filter(id_number=id_number).first()
        if hit is not None:
            return hit
    if birth_date:
        return campaign.persons.filter(Q(id_number="") | Q(id_number=id_number), name=name, birth_date=birth_date,
                                       region_id=region_code).first()
    return None


def _link_patient(actor, person: Person) -> None:
    """Entered (入库): the person's file, when one with the same ID number is in the user's jurisdiction."""
    if person.patient_id is None and person.id_number:
        patient = patient_selectors.patients_for(actor).filter(id_number=person.id_number).first()
        if patient is not None:
            person.patient = patient


def _merge(actor, campaign: Campaign, values: dict, group: str, note: str = "", patient=None, lead=None):
    """Add one department's listing; a person already listed (by any department) is reused, blanks filled.
    Returns (person, person_created, listing_created)."""
    person = find_person(campaign, id_number=values.get("id_number", ""), name=values["name"],
                         birth_date=values.get("birth_date"), region_code=values["region"].code)
    created = person is None
    if created:
        person = Person(campaign=campaign, name=values["name"], region=values["region"])
    for key in ("id_number", "sex", "birth_date", "address", "whereabouts", "whereabouts_detail"):
        if values.get(key) and not getattr(person, key):
            setattr(person, key, values[key])
    if patient is not None and person.patient_id is None:
        person.patient = patient
    if lead is not None and person.lead_id is None:
        person.lead = lead
    _link_patient(actor, person)
    person.save()
    try:
        with transaction.atomic():
            _, listed = Listing.objects.get_or_create(
                person=person, group=group, department=department_of(actor),
                defaults={"note": note, "listed_by": actor},
            )
    except IntegrityError:
        listed = False
    return person, created, listed


def add_listing(actor, campaign: Campaign, data: dict, *, request=None):
    """List a person under a target group for the user's department (当阳乡2022 四（一）、（三）)."""
    target = f"campaign:{campaign.pk}"
    _require(actor, LIST_PERSONS, request, target, audit_action="create")
    form = ListingForm(data=data, actor=actor, campaign=campaign)
    if not form.is_valid():
        raise _invalid(actor, form, request, "create", target)
    cd = form.cleaned_data
    values = {**cd, "region": cd["region_code"]}
    with transaction.atomic():
        person, created, listed = _merge(actor, campaign, values, cd["group"], cd.get("note", ""))
        audit.record(actor, "create", request=request, target=target, patient_id=person.patient_id, detail={
            "person": person.pk, "group": cd["group"], "department": department_of(actor),
            "merged": not created, "new_listing": listed,
        })
    return person, created


def candidates(actor, campaign: Campaign, group: str):
    """Who the files already show for a target group, inside the user's jurisdiction and the campaign's
    region: patients for groups 1, 2, 3 and 5; open leads for group 6. Group 4 is listed by hand."""
    lo, hi = codes.code_range(campaign.region_id)
    if group == "suspected":
        return selectors.leads_for(actor).filter(state__in=vocab.OPEN_STATES, region_id__gte=lo, region_id__lte=hi)
    patients = patient_selectors.patients_for(actor).filter(region_id__gte=lo, region_id__lte=hi)
    if group == "risk3":
        level = vocab.RISK_GROUP_MIN_LEVEL
        cond = Q(risk_level__gte=level) | Q(followups__risk_level__gte=level, followups__date__gte=campaign.risk_since)
    elif group == "hospitalized":
        cond = Q(status="hospitalized") | Q(status_history__status="hospitalized")
        if roles.sees_clinical(actor.role):
            cond |= Q(hospitalizations__gt=0)
    elif group == "compulsory_order":
        cond = Q(status_detail="compulsory_treatment") | Q(status_history__detail="compulsory_treatment")
    elif group == "welfare_disability":
        cond = (Q(disability_certificate=True) | Q(status_detail="welfare_institution")
                | Q(status_history__detail="welfare_institution"))
    else:
        return patients.none()
    return patients.filter(cond).distinct().select_related("region")


def import_from_files(actor, campaign: Campaign, group: str, *, request=None) -> dict:
    """从档案导入: list every candidate of ``group`` for the user's department; persons already listed
    (by any department) are merged, not duplicated."""
    target = f"campaign:{campaign.pk}"
    _require(actor, MANAGE_CAMPAIGNS, request, target, audit_action="import")
    if group not in vocab.IMPORTABLE:
        audit.record(actor, "import", request=request, outcome="invalid", target=target, detail={"group": group})
        raise errors.Invalid([errors.FieldError("group", f"“{vocab.GROUP_SHORT.get(group, group)}”无档案数据可导入，请逐人列报")])
    added = merged = 0
    with transaction.atomic():
        for obj in candidates(actor, campaign, group):
            if group == "suspected":
                values = {"name": obj.name, "id_number": obj.id_number, "sex": obj.sex, "birth_date": obj.birth_date,
                          "region": obj.region, "address": obj.address}
                _, created, _ = _merge(actor, campaign, values, group, "由疑似线索导入", lead=obj)
            else:
                values = {"name": obj.name, "id_number": obj.id_number, "sex": obj.sex, "birth_date": obj.birth_date,
                          "region": obj.region, "address": obj.address, "whereabouts": obj.status,
                          "whereabouts_detail": obj.status_detail}
                _, created, _ = _merge(actor, campaign, values, group, "由档案导入", patient=obj)
            added, merged = added + created, merged + (not created)
        audit.record(actor, "import", request=request, target=target,
                     detail={"group": group, "added": added, "merged": merged})
    return {"added": added, "merged": merged}


def update_person(actor, campaign: Campaign, person: Person, data: dict, *, request=None) -> Person:
    """Record whereabouts and the diagnosis/assessment result; a confirmed person whose file exists in the
    user's jurisdiction is linked to it (entered)."""
    target = f"campaign_person:{person.pk}"
    _require(actor, ASSESS_PERSONS, request, target)
    current = {k: getattr(person, k) for k in PersonForm.Meta.fields}
    given = data.dict() if hasattr(data, "dict") else dict(data)  # a QueryDict unpacks to lists
    data = {**{k: v.isoformat() if hasattr(v, "isoformat") else (v or "") for k, v in current.items()}, **given}
    form = PersonForm(data=data, instance=person)
    if not form.is_valid():
        raise _invalid(actor, form, request, "update", target)
    person = form.save(commit=False)
    _link_patient(actor, person)
    with transaction.atomic():  # the person and their audit row together or not at all
        person.save()
        audit.record(actor, "update", request=request, target=target, patient_id=person.patient_id,
                     detail={"fields": sorted(form.changed_data), "campaign": campaign.pk})
    return person


def report_groups(user, campaign: Campaign) -> list[dict]:
    """The list by whereabouts class (当阳乡2022: 住院治疗、在家居住（就学、就业、休养）、羁押服刑、强制隔离戒毒、
    下落不明…): one group per class and sub-class present, in the vocabulary's order; unclassified last."""
    from jingfang.core import vocab as rv

    order = [(s, d) for s, group in rv.STATUS_DETAILS.items() for d in ["", *group]]
    buckets: dict[tuple[str, str], list] = {}
    for p in selectors.persons_for(user, campaign):
        key = (p.whereabouts, p.whereabouts_detail if p.whereabouts else "")
        buckets.setdefault(key, []).append(p)
    rank = {k: i for i, k in enumerate(order)}
    out = []
    for (status, detail), persons in sorted(buckets.items(), key=lambda kv: rank.get(kv[0], len(rank))):
        label = rv.STATUSES.get(status, "未分类（去向待核实）")
        if detail:
            label = f"{label}（{rv.STATUS_DETAILS[status].get(detail, detail)}）"
        out.append({"status": status, "detail": detail, "label": label, "persons": persons})
    return out
