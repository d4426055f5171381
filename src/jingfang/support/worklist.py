"""Pending relief steps on the right role's worklist (core.worklist_hub provider).

Village cadres see applications waiting for the village initial review, township offices those
waiting for approval, township doctors (on the designated hospital's behalf) approved ones waiting
for the admission and admitted ones waiting to be filed.
"""

from django.urls import reverse
from django.utils import timezone

from jingfang.core import worklist_hub

from . import permissions, vocab
from .models import ReliefApplication

KIND = "relief"
KIND_LABEL = "住院救助"
WAITING = {
    "submitted": ("village_review", "submitted_at"),
    "village_reviewed": ("approve", "village_at"),
    "township_approved": ("admit", "township_at"),
    "admitted": ("close", "admitted_at"),
}


def relief_items(user, lo: str, hi: str, on) -> list:
    states = [s for s, (step, _) in WAITING.items() if permissions.may_step(user, step)]
    if not states:
        return []
    rows = (ReliefApplication.objects.filter(patient__region_id__gte=lo, patient__region_id__lte=hi, state__in=states)
            .select_related("patient", "patient__region"))
    items = []
    for a in rows:
        step, stamp = WAITING[a.state]
        since = getattr(a, stamp) or a.created_at
        day = timezone.localtime(since).date()
        if day > on:
            continue
        p = a.patient
        reason = f"{vocab.RELIEF_ACTIONS[step]}（{a.state_label}）" + ("；暴力行为或倾向，优先救助" if a.priority else "")
        items.append(worklist_hub.Item(
            p.pk, p.name, p.region_id, p.region.name, p.key_person, p.grade, KIND, day, day, "due", reason,
            rule_id=f"support:relief:{step}", url=reverse("support:relief_detail", args=[a.pk]),
            label=f"住院救助申请：{p.name}"))
    return items


def register() -> None:
    worklist_hub.KIND_LABELS.setdefault(KIND, KIND_LABEL)
    worklist_hub.register_provider(relief_items)
