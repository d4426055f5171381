"""Open accountability measures on the worklist (registered with core.worklist_hub in the app's ready()):
each open measure is a "deadline" item, due from the day it was issued until its deadline and overdue
after it, on the worklist of the target unit's users (vocab.UNITS) and of the user who issued it, until
it is closed (销号)."""

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from jingfang.core.worklist_hub import Item
from jingfang.followups.schedule import item_state

from . import permissions, vocab
from .models import Measure


def measure_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    if not permissions.can_view(user):
        return []
    units = [u for u in vocab.UNITS if user.role in vocab.unit_roles(u)]
    mine = Q(issued_by=user)
    if units:
        mine |= Q(target_unit__in=units, target_region_id=user.region_id)
    rows = (Measure.objects.filter(mine, target_region_id__gte=lo, target_region_id__lte=hi, issued_on__lte=on)
            .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=on)).select_related("target_region"))
    items = []
    for m in rows:
        state = item_state(on, m.issued_on, m.deadline)
        whose = "由您下达，整改后销号" if m.issued_by_id == user.pk else "请按期整改并报下达单位销号"
        items.append(Item(
            patient_id=None, patient_name="", region_code=m.target_region_id, region_name=m.target_region.name,
            key_person=False, grade="", kind="deadline", due_date=m.deadline, window_start=m.issued_on, state=state,
            reason=f"{vocab.KINDS[m.kind]}（{m.issued_on:%Y-%m-%d}下达，{vocab.KIND_CITES[m.kind]}），{whose}"
                   f"{'；已逾期' if state == 'overdue' else ''}",
            rule_id=f"accountability:{m.kind}", url=reverse("accountability:measure", args=[m.pk]),
            label=f"{vocab.KINDS[m.kind]}整改：{m.target_name}",
        ))
    return items
