"""The designated approver's worklist gets one item per pending export request (registered with
core.worklist_hub in apps.py): the township office for its township's users, the county supervisor
for township offices and county-level users."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from jingfang.core.worklist_hub import Item

from . import selectors


def approval_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    if not selectors.is_approver(user):
        return []
    items = []
    for req in selectors.pending_for(user).filter(requester_region_id__gte=lo, requester_region_id__lte=hi):
        day = timezone.localdate(req.submitted_at or req.created_at)
        if day > on:
            continue
        who = req.requester.get_full_name() or req.requester.username
        items.append(Item(None, "", req.requester_region_id, req.requester_region.name, False, "", "deadline", day, day,
                          "due", f"{who}申请导出“{req.title}”{req.row_count}行，理由：{req.reason}", "exports:approval",
                          url=reverse("exports:detail", args=[req.pk]), label=f"导出审批：{who}（{req.row_count}行）"))
    return items
