"""The township office's worklist gets one "紧急查阅通知" item per grant on its patients until someone of
the office acknowledges it (registered with core.worklist_hub in apps.py)."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from jingfang.accounts import roles
from jingfang.core.worklist_hub import Item

from . import rules
from .models import Grant


def who(grant: Grant) -> str:
    u = grant.user
    return f"{u.get_full_name() or u.username}（{roles.label(grant.user_role)}，{grant.user_region.name}）"


def summary(grant: Grant) -> str:
    started = timezone.localtime(grant.started_at)
    until = timezone.localtime(grant.expires_at)
    return (f"{who(grant)}于{started:%m-%d %H:%M}以“{rules.CATEGORIES.get(grant.category, grant.category)}”为由"
            f"紧急查阅，有效至{until:%m-%d %H:%M}。理由：{grant.reason}")


def notice_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    if not roles.can(user.role, roles.ACKNOWLEDGE_EMERGENCY):
        return []
    rows = (Grant.objects.filter(region_id__gte=lo, region_id__lte=hi, acknowledged_at__isnull=True)
            .select_related("user", "user_region", "patient", "region"))
    items = []
    for g in rows:
        day = timezone.localdate(g.started_at)
        if day > on:
            continue
        items.append(Item(g.patient_id, g.patient.name, g.region_id, g.region.name, g.patient.key_person,
                          g.patient.grade, "deadline", day, day, "due", summary(g), "emergency:notice",
                          url=reverse("emergency:notices") + f"#grant-{g.pk}",
                          label=f"紧急查阅通知：{g.patient.name}"))
    return items
