"""The only way to read patients: every queryset starts from the acting user's jurisdiction.

A patient outside the user's region is indistinguishable from one that does not exist (404), and
the attempt is audited.
"""

import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import idnumber, picker
from jingfang.core import ids as core_ids
from jingfang.core.middleware import MAX_ID_DIGITS
from jingfang.regions import codes

from .models import Patient


def jurisdiction_range(user) -> tuple[str, str] | None:
    """The inclusive range of village codes a user may see patients in, or None if they may see none.

    Other apps' selectors of per-patient rows that carry the patient's village code use this range,
    so that scoping has one definition."""
    if user is None or not user.is_authenticated or not roles.can(user.role, roles.VIEW_PATIENTS):
        return None
    return codes.code_range(user.region_id)


def patients_for(user) -> QuerySet[Patient]:
    """All patients whose current residence lies within the user's region, if the role may see patients."""
    scope = jurisdiction_range(user)
    if scope is None:
        return Patient.objects.none()
    return Patient.objects.filter(region_id__gte=scope[0], region_id__lte=scope[1])


# Emergency access (break the glass): the emergency app registers ``finder(user, patient_id)`` returning
# the user's active grant on that patient or None. Only read-only views opt in (``emergency=True``) and
# only safe methods are served, plus the audited reveal of full identifiers (a read, sent by POST);
# the view finds the grant in ``request.emergency_grant``.
_grant_finders: list = []


def register_grant_finder(finder) -> None:
    if finder not in _grant_finders:
        _grant_finders.append(finder)


def _emergency_patient(request, pk: int, action: str) -> Patient | None:
    if request.method not in ("GET", "HEAD") and action != "reveal":
        return None
    grant = next((g for g in (f(request.user, pk) for f in _grant_finders) if g is not None), None)
    patient = Patient.objects.select_related("region", "household_region").filter(pk=pk).first() if grant else None
    if patient is not None:
        request.emergency_grant = grant
        audit.record_request(request, "emergency_view", patient_id=pk, target=f"patient:{pk}",
                             detail={"grant": grant.pk, "action": action})
    return patient


def get_patient_for(request, pk, *, action: str = "view", audit_success: bool = True,
                    emergency: bool = False) -> Patient:
    """The patient with this id if the requesting user may see it; otherwise 404, audited either way.

    ``emergency=True`` (read-only views only): a patient outside the jurisdiction also opens under the
    user's active emergency grant, audited as ``emergency_view`` with the grant's id."""
    user = request.user
    # Beyond any id (SQLite cannot even compare 2**63: OverflowError); 16 digits and more may be an ID
    # number, which the audit must not hold (core.middleware refuses them in paths and URLs).
    given, pk = pk, core_ids.parse(pk)
    if pk is None:
        shown = str(given)[:40] if len(str(given)) <= MAX_ID_DIGITS else "out_of_range"
        audit.record_request(request, action, outcome="not_found", target=f"patient:{shown}")
        raise Http404("患者不存在")
    patient = patients_for(user).select_related("region", "household_region").filter(pk=pk).first()
    if patient is None and emergency:
        patient = _emergency_patient(request, pk, action)
        if patient is not None:
            return patient
    if patient is None:
        exists = Patient.objects.filter(pk=pk).exists()
        audit.record_request(
            request,
            action,
            outcome="denied" if exists else "not_found",
            patient_id=pk if exists else None,
            target=f"patient:{pk}",
        )
        raise Http404("患者不存在")
    if audit_success:
        audit.record_request(request, action, patient_id=patient.pk, target=f"patient:{patient.pk}")
    if patient.household_region_id == patient.region_id:
        patient.household_region = patient.region  # one object: its ancestors are read once
    return patient


# What a visit recorded before the patient left the user's jurisdiction keeps of the patient while it
# waits for review (offline app): the name the recorder knew, and what decides where it goes.
FORMER_FIELDS = ("id", "name", "region_id", "status", "death_date", "registered_on")


def patient_or_former(user, pk, *, had_it, request=None, action: str = "create",
                      target: str = "patient") -> tuple[Patient | None, bool]:
    """(patient, inside) for a write that may arrive after the patient left the user's jurisdiction.

    Inside the jurisdiction: the patient, True. Outside it, or missing: audited like ``get_patient_for``
    (denied / not_found, ``target``), and the patient with FORMER_FIELDS only if ``had_it(pk)`` says the
    user legitimately held it before (an offline package), else None. A patient the user never could
    see is refused like one that does not exist; its region is never read for the caller."""
    pk = core_ids.parse(pk)
    patient = patients_for(user).select_related("region").filter(pk=pk).first() if pk else None
    if patient is not None:
        return patient, True
    former = Patient.objects.only(*FORMER_FIELDS).filter(pk=pk).first() if pk is not None else None
    audit.record(user, action, request=request, outcome="denied" if former else "not_found",
                 patient_id=pk if former else None, target=target)
    return (former if former is not None and had_it(pk) else None), False


def township_now(pk) -> str | None:
    """The township a patient lives in now, for routing work to its staff (never shown to the caller)."""
    region = Patient.objects.filter(pk=pk).values_list("region_id", flat=True).first()
    return codes.township_of(region) if region else None


def search(
    user,
    *,
    q: str = "",
    region_code: str = "",
    status: str = "",
    key_person: bool | None = None,
    diagnosis: str = "",
) -> QuerySet[Patient]:
    """Filter the user's patients. ``q`` matches part of a name, or a whole ID or phone number."""
    qs = patients_for(user)
    q = (q or "").strip()
    if q:
        number = idnumber.normalize(q)
        cond = Q(name__icontains=q)
        if len(number) == 18:
            cond |= Q(id_number=number)
        if q.isdigit() and len(q) >= 7:
            cond |= Q(phone=q) | Q(guardians__phone=q)
        qs = qs.filter(cond).distinct()
    if region_code:
        if codes.is_valid_code(region_code):
            lo, hi = codes.code_range(region_code)
            qs = qs.filter(region_id__gte=lo, region_id__lte=hi)
        else:
            qs = qs.none()
    if status:
        qs = qs.filter(status=status)
    if key_person is not None:
        qs = qs.filter(key_person=key_person)
    if diagnosis and roles.sees_clinical(user.role):
        qs = qs.filter(diagnosis=diagnosis)
    return qs.select_related("region")


_ID_TAIL = re.compile(r"^\d{3}[\dX]$")  # the last four characters of an ID number
_MASKED_ID = re.compile(r"^(\d{3})\*{4,}(\d{3}[\dX])$")  # as core.masking shows it: 990***********1234


def pick(user, q: str, *, limit: int) -> tuple[list[Patient], bool]:
    """Patients a form may pick (search-as-you-type): those of the user's jurisdiction under management
    whose name holds ``q``, or whose ID number ends with ``q`` (its last four characters) or matches the
    masked ID ``q``. At most ``limit`` of them, names beginning with ``q`` first, and whether there were
    more. ``q`` is already cleaned by core.picker (never a whole ID or phone number)."""
    qs = patients_for(user).exclude(status="deceased")
    number = idnumber.normalize(q)
    masked = _MASKED_ID.match(number)
    if masked or _ID_TAIL.match(number):
        # Encrypted at rest: the tail cannot be compared in SQL; the jurisdiction's numbers are read
        # (a county's few thousand at most) and compared here.
        head, tail = (masked.group(1), masked.group(2)) if masked else ("", number)
        ids = [pk for pk, value in qs.values_list("pk", "id_number").iterator()
               if value and value.endswith(tail) and value.startswith(head)]
        qs, first = qs.filter(pk__in=ids), ()
    else:
        qs = qs.filter(name__icontains=q).annotate(
            starts=Case(When(name__startswith=q, then=Value(0)), default=Value(1), output_field=IntegerField()))
        first = ("starts",)
    return picker.limited(qs.select_related("region__parent").order_by(*first, "name", "region_id", "id"), limit)


# "Is this ID number registered anywhere?" is answered only by registry.disclosure (the one gate).
