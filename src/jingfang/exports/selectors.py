"""Reading export requests, always from the acting user: one's own requests, and the queue of those
one may decide (rules.may_decide, narrowed in the database by region range). Anything else answers
404 and the attempt is audited."""

import datetime as dt

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.regions import codes

from . import rules, services
from .models import ExportRequest

NOT_FOUND = "导出申请不存在"
_RELATED = ("requester", "requester_region", "approver_region", "decided_by")
QUEUE_STATES = {"pending": "待审批", "decided": "已审批"}


def own(user) -> QuerySet[ExportRequest]:
    if user is None or not user.is_authenticated:
        return ExportRequest.objects.none()
    services.expire_stale()
    return ExportRequest.objects.filter(requester=user).exclude(status=rules.DRAFT).select_related(*_RELATED)


def is_approver(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in rules.APPROVER_ROLES)


def decidable(user) -> QuerySet[ExportRequest]:
    """Submitted requests this user may see as an approver (pending or already decided)."""
    if not is_approver(user):
        return ExportRequest.objects.none()
    qs = ExportRequest.objects.exclude(status=rules.DRAFT).exclude(requester=user)
    if user.role == roles.COUNTY_SUPERVISOR:
        lo, hi = codes.code_range(user.region_id)
        qs = qs.filter(requester_region_id__gte=lo, requester_region_id__lte=hi)
    else:
        qs = qs.filter(approver_role=roles.TOWNSHIP_OFFICE, approver_region_id=user.region_id)
    return qs.select_related(*_RELATED)


def queue(user, state: str = "") -> QuerySet[ExportRequest]:
    """Pending first (oldest first), then the decided ones (newest first)."""
    services.expire_stale()
    qs = decidable(user)
    if state == "pending":
        qs = qs.filter(status=rules.PENDING)
    elif state == "decided":
        qs = qs.exclude(status=rules.PENDING)
    first = Case(When(status=rules.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(_first=first).order_by("_first", "submitted_at", "id")


def pending_for(user) -> QuerySet[ExportRequest]:
    """What this user is the designated approver of and has not decided (worklist, nav badge):
    county supervisors are nudged for township offices' and county-level requests only. Read-only
    (requests past rules.PENDING_DAYS are left out here and expired by the pages)."""
    since = timezone.now() - dt.timedelta(days=rules.PENDING_DAYS)
    return decidable(user).filter(status=rules.PENDING, submitted_at__gt=since,
                                  approver_role=user.role if is_approver(user) else "")


def get_for(request, pk, *, action: str = "view") -> ExportRequest:
    """One request the user may see (their own, or one they may decide); otherwise 404, audited."""
    user = request.user
    services.expire_stale()
    req = (ExportRequest.objects.filter(pk=pk).filter(Q(requester=user) | Q(pk__in=decidable(user).values("pk")))
           .select_related(*_RELATED).first())
    if req is None:
        audit.record_request(request, action, outcome="not_found", target=f"export_request:{pk}")
        raise Http404(NOT_FOUND)
    return req
