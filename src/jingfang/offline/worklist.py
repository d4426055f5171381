"""The township doctor's worklist gets "离线随访待审核" while visits a sync held wait for review
(registered with core.worklist_hub in apps.py)."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from jingfang.accounts import roles
from jingfang.core.worklist_hub import Item

from .models import OfflineEntry

LABEL = "离线随访待审核"


def held_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    """One item for the held visits waiting in the user's township (review_region within lo..hi)."""
    if not roles.can(user.role, roles.REVIEW_OFFLINE):
        return []
    rows = list(OfflineEntry.objects.filter(review_region_id__gte=lo, review_region_id__lte=hi, review_state="pending")
                .select_related("review_region").order_by("synced_at"))
    if not rows:
        return []
    first = rows[0]
    day = min(timezone.localdate(first.synced_at), on)
    return [Item(None, "", first.review_region_id, first.review_region.name, False, "", "deadline", day, day,
                 "due" if day == on else "overdue", f"{LABEL}：{len(rows)}条，请录入、转交或不予录入",
                 "offline:held", url=reverse("offline:held"), label=f"{LABEL}（{len(rows)}条）")]
