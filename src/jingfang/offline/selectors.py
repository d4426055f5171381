"""Reads of the offline app's entries, scoped: reviewers see the held visits of their own township
(and those they forwarded, as done); recorders see only their own."""

from django.db.models import Q, QuerySet
from django.http import Http404

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import ids as core_ids
from jingfang.regions import codes

from .models import OfflineEntry

NOT_FOUND = "离线随访记录不存在"


def held_for(user) -> QuerySet[OfflineEntry]:
    """The held visits the user reviews (their township's, pending or decided)."""
    if not roles.can(user.role, roles.REVIEW_OFFLINE):
        return OfflineEntry.objects.none()
    lo, hi = codes.code_range(user.region_id)
    return OfflineEntry.objects.filter(status="held", review_region_id__gte=lo, review_region_id__lte=hi)


def get_held_for(request, pk, *, action: str = "view") -> OfflineEntry:
    """One held visit the user reviews, or one they forwarded; otherwise 404 (audited), like a missing one."""
    user = request.user
    pk = core_ids.parse(pk)
    mine = held_for(user)
    entry = None
    if pk is not None and roles.can(user.role, roles.REVIEW_OFFLINE):
        entry = (OfflineEntry.objects.filter(Q(pk__in=mine.values("pk")) | Q(forwarded_by=user, status="held"))
                 .select_related("user", "recorder_region").filter(pk=pk).first())
    if entry is None:
        audit.record_request(request, action, outcome="not_found", target=f"offline_entry:{pk}")
        raise Http404(NOT_FOUND)
    return entry


def outcomes_for(user) -> QuerySet[OfflineEntry]:
    """The user's own held visits (the phone shows what became of them)."""
    return OfflineEntry.objects.filter(user=user, status="held").order_by("-synced_at", "-id")
