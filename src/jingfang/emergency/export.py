"""The county's review queue as xlsx rows (stamped and formula-escaped by core.xlsx)."""

from django.utils import timezone

from jingfang.accounts import roles

from . import rules

HEADERS = ["编号", "开始时间", "有效至", "时长（小时）", "查阅人", "查阅人角色", "查阅人所属区划", "患者", "患者所在村（社区）",
           "事由类别", "查阅理由", "乡镇知悉", "审核结论", "审核意见", "审核人", "审核时间"]


def _at(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def queue_rows(grants) -> tuple[list[str], list[list]]:
    rows = []
    for g in grants:
        rows.append([
            g.pk, _at(g.started_at), _at(g.expires_at), g.hours, _person(g.user), roles.label(g.user_role),
            g.user_region.name, g.patient.name, g.region.name, rules.CATEGORIES.get(g.category, g.category), g.reason,
            f"{_person(g.acknowledged_by)} {_at(g.acknowledged_at)}".strip() if g.acknowledged_at else "未确认",
            rules.REVIEW_OUTCOMES.get(g.review_outcome, "待审核"), g.review_note, _person(g.reviewed_by),
            _at(g.reviewed_at),
        ])
    return HEADERS, rows
