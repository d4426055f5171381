"""Every read of intake rows starts here, from the acting user's region (as registry.selectors does
for patients): a row outside it is indistinguishable from a missing one (404), and the attempt is audited.

Report cards and release notices are scoped by the township that must act on them; transfers by their
origin or destination township (the destination sees a transfer before it sees the patient).
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.regions import codes
from jingfang.registry.models import Patient

from . import permissions as perms
from .models import ReleaseNotice, ReportCard, Transfer


def _range(user, action: str) -> tuple[str, str] | None:
    if user is None or not user.is_authenticated or not perms.can(user.role, action):
        return None
    return codes.code_range(user.region_id)


def _within(field: str, scope: tuple[str, str]) -> Q:
    return Q(**{f"{field}__gte": scope[0], f"{field}__lte": scope[1]})


def report_cards_for(user) -> QuerySet[ReportCard]:
    scope = _range(user, perms.VIEW_REPORTS)
    if scope is None:
        return ReportCard.objects.none()
    return ReportCard.objects.filter(_within("township_id", scope)).select_related("township", "patient")


def report_cards(user, *, status: str = "", kind: str = "", q: str = "", received_from=None,
                 received_to=None) -> QuerySet[ReportCard]:
    """The report-card list as filtered: the one query behind the page, its export and the API
    (``status`` "open": neither entered nor referred to the CDC; ``q``: part of the name, or of the
    hospital for roles that read it)."""
    qs = report_cards_for(user)
    if status == "open":
        qs = qs.filter(status__in=("received", "accepted"))
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if q:  # by the hospital too only for those who read it
        by_hospital = Q(hospital__icontains=q) if roles.sees_clinical(user.role) else Q(pk__in=[])
        qs = qs.filter(Q(patient_name__icontains=q) | by_hospital)
    if received_from:
        qs = qs.filter(received_on__gte=received_from)
    if received_to:
        qs = qs.filter(received_on__lte=received_to)
    return qs


def releases_for(user) -> QuerySet[ReleaseNotice]:
    scope = _range(user, perms.VIEW_RELEASES)
    if scope is None:
        return ReleaseNotice.objects.none()
    return ReleaseNotice.objects.filter(_within("township_id", scope)).select_related("township", "patient")


def transfers_for(user) -> QuerySet[Transfer]:
    """Transfers out of or into the user's region."""
    scope = _range(user, perms.VIEW_TRANSFERS)
    if scope is None:
        return Transfer.objects.none()
    return Transfer.objects.filter(_within("origin_id", scope) | _within("destination_id", scope)).select_related(
        "patient", "origin", "destination", "origin_village", "destination_village", "sent_by", "accepted_by",
        "returned_by",
    )


def inbox_for(user) -> QuerySet[Transfer]:
    """Transfers sent to a township in the user's region and not yet accepted or returned."""
    scope = _range(user, perms.VIEW_TRANSFERS)
    if scope is None:
        return Transfer.objects.none()
    return transfers_for(user).filter(_within("destination_id", scope), status="sent")


def outbox_for(user) -> QuerySet[Transfer]:
    scope = _range(user, perms.VIEW_TRANSFERS)
    if scope is None:
        return Transfer.objects.none()
    return transfers_for(user).filter(_within("origin_id", scope))


def transfers(user, *, direction: str = "", status: str = "") -> QuerySet[Transfer]:
    """The transfer list as filtered (page and API): ``direction`` "out" (from the user's region),
    "in" (into it) or "" (both)."""
    scope = _range(user, perms.VIEW_TRANSFERS)
    if scope is None:
        return Transfer.objects.none()
    qs = transfers_for(user)
    if direction == "out":
        qs = qs.filter(_within("origin_id", scope))
    elif direction == "in":
        qs = qs.filter(_within("destination_id", scope))
    return qs.filter(status=status) if status else qs


def releases(user, *, status: str = "", kind: str = "", q: str = "") -> QuerySet[ReleaseNotice]:
    """The release-notice list as filtered (page and API); ``q``: part of the name or notifying unit."""
    qs = releases_for(user)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(person_name__icontains=q) | Q(notifying_unit__icontains=q))
    return qs


def is_origin_side(user, transfer: Transfer) -> bool:
    return codes.is_within(transfer.origin_id, user.region_id)


def is_destination_side(user, transfer: Transfer) -> bool:
    return codes.is_within(transfer.destination_id, user.region_id)


def _get(request, queryset, model, pk, kind: str, action: str, audit_success: bool):
    """One row of ``queryset`` (the user's scope) or 404, audited like registry.selectors.get_patient_for."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        audit.record_request(request, action, outcome="not_found", target=f"{kind}:{str(pk)[:40]}")
        raise Http404("记录不存在") from None
    row = queryset.filter(pk=pk).first()
    if row is None:
        other = model.objects.filter(pk=pk).first()
        audit.record_request(request, action, outcome="denied" if other else "not_found",
                             patient_id=getattr(other, "patient_id", None), target=f"{kind}:{pk}")
        raise Http404("记录不存在")
    if audit_success:
        audit.record_request(request, action, patient_id=getattr(row, "patient_id", None), target=f"{kind}:{pk}")
    return row


def get_report_card_for(request, pk, *, action: str = "view", audit_success: bool = True) -> ReportCard:
    return _get(request, report_cards_for(request.user), ReportCard, pk, "report_card", action, audit_success)


def get_release_for(request, pk, *, action: str = "view", audit_success: bool = True) -> ReleaseNotice:
    return _get(request, releases_for(request.user), ReleaseNotice, pk, "release", action, audit_success)


def get_transfer_for(request, pk, *, action: str = "view", audit_success: bool = True) -> Transfer:
    return _get(request, transfers_for(request.user), Transfer, pk, "transfer", action, audit_success)


# Dual listing (双列管) ------------------------------------------------------------------------------
def dual_listed_for(user) -> QuerySet[Patient]:
    """Patients whose household registration (户籍地) lies in the user's region but who live outside it:
    residence primary, household registration secondary (齐云山镇2024, 三（五）3). The household township
    reads a summary only (see serializers.dual_summary); the file stays with the residence."""
    if user is None or not user.is_authenticated or not roles.can(user.role, roles.VIEW_PATIENTS):
        return Patient.objects.none()
    lo, hi = codes.code_range(user.region_id)
    return (
        Patient.objects.filter(household_region_id__gte=lo, household_region_id__lte=hi)
        .exclude(region_id__gte=lo, region_id__lte=hi)
        .select_related("region", "region__parent")
        .order_by("name", "id")
    )


def patient_by_id_number(user, id_number: str) -> Patient | None:
    """The patient with this ID number if they are within the user's jurisdiction."""
    from jingfang.registry import selectors as patient_selectors

    if not id_number:
        return None
    return patient_selectors.patients_for(user).filter(id_number=id_number).first()
