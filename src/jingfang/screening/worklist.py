"""Screening work on the worklist (core.worklist_hub provider), registered in ScreeningConfig.ready().

- Open leads age: a lead not yet referred is due LEAD_REFERRAL_DAYS after it was found (齐云山镇2024 says
  “应立即组织动员…送往精神卫生医疗机构诊断” without a number: the 7 days are this system's, unless the
  region's policy profile has a ``lead_referral`` cadence, which then wins); a referred lead without a
  conclusion is due LEAD_CONCLUSION_DAYS after referral (or the profile's ``lead_conclusion`` cadence).
- Campaign work: per campaign and village, persons not yet assessed or confirmed but not entered,
  due when the fill-gaps phase ends (当阳乡2022: 对摸排出的人员一律开展诊断评估; 查漏补缺).
For a past date the state is as it stood then (leads found by then and not concluded by then).
"""

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse

from jingfang.core.masking import mask_name
from jingfang.core.worklist_hub import Item
from jingfang.followups import engine
from jingfang.regions import codes

from . import selectors, vocab
from .models import Lead, Person

LEAD_REFERRAL_DAYS = 7
LEAD_CONCLUSION_DAYS = 30
CONCLUSION_WINDOW_DAYS = 7
DANGER = "危险：公安机关制止并送医诊断（齐云山镇2024，三（二））"


def _state(on: dt.date, window_start: dt.date, due: dt.date) -> str:
    if on > due:
        return "overdue"
    return "due" if on >= window_start else "upcoming"


def deadline(region_code: str, key: str, start: dt.date, default_days: int) -> tuple[dt.date, str]:
    """(due date, rule in words): the profile's cadence ``key`` if it has one, else the default."""
    profile = engine.profile_for(region_code)
    cadence = profile.cadence(key) if hasattr(profile, "cadence") else None
    if cadence is not None:
        return cadence.every.after(start), f"{cadence.label}，{cadence.every.label}内（{cadence.cite}）"
    return start + dt.timedelta(days=default_days), f"{default_days}天内（本系统默认时限）"


def lead_items(lo: str, hi: str, on: dt.date) -> list[Item]:
    leads = (Lead.objects.filter(region_id__gte=lo, region_id__lte=hi, found_on__lte=on)
             .filter(Q(concluded_on__isnull=True) | Q(concluded_on__gt=on))
             .exclude(state__in=("confirmed", "excluded"), concluded_on__isnull=True)
             .select_related("region"))
    items = []
    for lead in leads:
        url = reverse("screening:lead_detail", args=[lead.pk])
        if lead.referred_on is None or lead.referred_on > on:
            due, rule = deadline(lead.region_id, "lead_referral", lead.found_on, LEAD_REFERRAL_DAYS)
            window, rule_id = lead.found_on, "screening:lead_referral"
            reason = f"疑似患者应及时送精神卫生医疗机构诊断：发现后{rule}"
        else:
            due, rule = deadline(lead.region_id, "lead_conclusion", lead.referred_on, LEAD_CONCLUSION_DAYS)
            window = max(lead.referred_on, due - dt.timedelta(days=CONCLUSION_WINDOW_DAYS))
            rule_id = "screening:lead_conclusion"
            reason = f"已转诊（{lead.referred_to}），应在转诊后{rule}登记诊断结论（确诊建档或排除）"
        items.append(Item(
            None, "", lead.region_id, lead.region.name, lead.dangerous, "", "deadline", due, min(window, due),
            _state(on, min(window, due), due), reason, rule_id, "", [DANGER] if lead.dangerous else [],
            url=url, label=f"疑似线索：{mask_name(lead.name)}",
        ))
    return items


def campaign_items(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    items = []
    for campaign in selectors.campaigns_for(user).prefetch_related("phases"):
        phases = {p.phase: p for p in campaign.phases.all()}
        implement, gaps, last = phases.get("implement"), phases.get("fill_gaps"), phases.get("consolidate")
        if not (implement and gaps and last) or not implement.start <= on <= last.end:
            continue
        clo, chi = codes.code_range(campaign.region_id)
        rows = (Person.objects.filter(campaign=campaign, region_id__gte=max(lo, clo), region_id__lte=min(hi, chi))
                .values("region_id", "region__name").order_by("region_id")
                .annotate(unassessed=Count("id", filter=Person.AWAITING_ASSESSMENT),
                          to_enter=Count("id", filter=Q(assessment_result="confirmed", patient__isnull=True))))
        url = reverse("screening:campaign_detail", args=[campaign.pk])
        for r in rows:
            if not (r["unassessed"] or r["to_enter"]):
                continue
            reason = (f"待诊断评估{r['unassessed']}人、确诊待入库{r['to_enter']}人；对摸排出的人员一律开展诊断评估，"
                      f"符合入库标准的一律录入（当阳乡2022，四（二）（三）），“{vocab.PHASES['fill_gaps']}”阶段结束前完成")
            items.append(Item(
                None, "", r["region_id"], r["region__name"], False, "", "deadline", gaps.end, implement.start,
                _state(on, implement.start, gaps.end), reason, "screening:campaign", "",
                url=f"{url}?region={r['region_id']}", label=f"摸排：{campaign.name}",
            ))
    return items


def provider(user, lo: str, hi: str, on: dt.date) -> list[Item]:
    if selectors.scope(user) is None:
        return []
    return lead_items(lo, hi, on) + campaign_items(user, lo, hi, on)
