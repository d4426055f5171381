"""Reading emergency grants, always from the acting user.

- ``active_grant(user, patient_id)``: the user's own grant that opens this patient now (registered
  with registry.selectors.get_patient_for, which consults it for read-only views only);
- ``own_grants(user)``: what the user asked for;
- ``grants_in_jurisdiction(user)``: grants on patients whose village (at the time of the grant) lies in
  the user's region: the township office's notices and the county supervisor's review queue.
A grant outside that range answers 404 exactly like a missing one, and the attempt is audited.
"""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.regions import codes

from .models import Grant

NOT_FOUND = "紧急查阅记录不存在"
_RELATED = ("user", "user_region", "patient", "region", "acknowledged_by", "reviewed_by")


def active_grant(user, patient_id) -> Grant | None:
    """The user's grant that opens this patient now, if the user may still break the glass."""
    if user is None or not user.is_authenticated or not user.is_active or not roles.can(user.role, roles.BREAK_GLASS):
        return None
    now = timezone.now()
    return (Grant.objects.filter(user=user, patient_id=patient_id, started_at__lte=now, expires_at__gt=now)
            .order_by("-expires_at").first())


def own_grants(user) -> QuerySet[Grant]:
    if user is None or not user.is_authenticated:
        return Grant.objects.none()
    return Grant.objects.filter(user=user).select_related(*_RELATED)


def _may_oversee(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (
        roles.can(user.role, roles.REVIEW_EMERGENCY) or roles.can(user.role, roles.ACKNOWLEDGE_EMERGENCY)))


def grants_in_jurisdiction(user) -> QuerySet[Grant]:
    """Grants on patients of the user's region, for the township office and the county supervisor."""
    if not _may_oversee(user):
        return Grant.objects.none()
    lo, hi = codes.code_range(user.region_id)
    return Grant.objects.filter(region_id__gte=lo, region_id__lte=hi).select_related(*_RELATED)


def review_queue(user, state: str = "") -> QuerySet[Grant]:
    """The county's grants, those not yet reviewed first (oldest first among them), then the rest."""
    qs = grants_in_jurisdiction(user) if roles.can(user.role, roles.REVIEW_EMERGENCY) else Grant.objects.none()
    if state == "pending":
        qs = qs.filter(reviewed_at__isnull=True)
    elif state == "reviewed":
        qs = qs.filter(reviewed_at__isnull=False)
    pending_first = Case(When(reviewed_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(_order=pending_first).order_by("_order", "-started_at", "-id")


def notices(user, state: str = "") -> QuerySet[Grant]:
    """The township office's notices: grants on its patients, those not yet acknowledged first."""
    qs = grants_in_jurisdiction(user) if roles.can(user.role, roles.ACKNOWLEDGE_EMERGENCY) else Grant.objects.none()
    if state == "pending":
        qs = qs.filter(acknowledged_at__isnull=True)
    elif state == "done":
        qs = qs.filter(acknowledged_at__isnull=False)
    pending_first = Case(When(acknowledged_at__isnull=True, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
    return qs.annotate(_order=pending_first).order_by("_order", "-started_at", "-id")


def get_grant_for(request, pk, queryset: QuerySet[Grant], *, action: str = "view") -> Grant:
    """One grant of ``queryset`` (already scoped to the user) or 404, the miss audited."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    grant = queryset.filter(pk=pk).first() if pk is not None else None
    if grant is None:
        exists = pk is not None and Grant.objects.filter(pk=pk).exists()
        audit.record_request(request, action, outcome="denied" if exists else "not_found",
                             target=f"emergency_grant:{pk if pk is not None else '?'}")
        raise Http404(NOT_FOUND)
    return grant


def grant_events(grant: Grant):
    """What the grant's user did with the patient while the grant ran (audit rows), for the reviewer."""
    from jingfang.audit.models import AuditEvent

    return (AuditEvent.objects.filter(user_id=grant.user_id, patient_id=grant.patient_id,
                                      at__gte=grant.started_at, at__lte=grant.expires_at)
            .order_by("at", "id"))
