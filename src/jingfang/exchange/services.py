"""Writes of the exchange table: generate (freeze) a township's month, record departments' receipts.

Policy on later records (补录): events are placed by their own date. Version 1 of a month is what was
exchanged and signed; regenerating the same month from the same history gives the same content and
no new version. When an event dated inside the month was recorded after the table was generated (or
one was corrected), regeneration creates the next version whose added lines are flagged 补录 and
whose removed lines are listed as 撤销; the receipts stay with the version each department signed.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.followups import engine

from . import history, selectors, table
from . import permissions as perms
from .models import DEPARTMENTS, ExchangeTable, Receipt

# The words of the profiles' [exchange] departments (齐云山镇2024、中梁乡2022、平桥区2025) -> our department keys.
DEPARTMENT_WORDS = {
    "综治中心": "governance", "综治": "governance", "政法": "governance", "平安办": "governance",
    "公安": "police", "派出所": "police",
    "民政": "civil_affairs",
    "卫生院": "health", "卫生计生": "health", "卫健": "health", "卫生": "health",
    "残联": "dpf",
    "司法": "judicial", "司法所": "judicial",
}
DEFAULT_DEPARTMENTS = ("governance", "police", "civil_affairs", "health", "dpf")  # 齐云山镇2024 三（六）2



def exchange_rule(code: str) -> tuple[list[str], str]:
    """(department keys, citation) from the region's policy profile's [exchange] section."""
    section = getattr(engine.profile_for(code), "exchange", None)
    if section is None:
        return list(DEFAULT_DEPARTMENTS), "齐云山镇2024，三（六）2（综治中心、公安、民政、卫生院、残联每月书面交换）"
    keys = []
    for word in section.departments:
        key = DEPARTMENT_WORDS.get(word)
        if key and key not in keys:
            keys.append(key)
    ordered = [k for k in DEPARTMENTS if k in keys]
    return ordered or list(DEFAULT_DEPARTMENTS), section.cite


def departments_for(code: str) -> dict[str, str]:
    return {k: DEPARTMENTS[k] for k in exchange_rule(code)[0]}


def _require(actor, action: str, audit_action: str, request=None, target: str = "") -> None:
    if not perms.can(actor, action):
        audit.record(actor, audit_action, request=request, outcome="denied", target=target)
        raise errors.Forbidden("您的角色无权执行此操作")


def check_month(month: dt.date | None, field: str = "month") -> dt.date:
    if month is None:
        raise errors.Invalid([errors.FieldError(field, "月份格式应为YYYY-MM")])
    if table.month_bounds(month)[1] >= clock.today():
        raise errors.Invalid([errors.FieldError(field, "只能生成已结束月份的交换表（本月月末后再生成）")])
    if month.year < 2000:
        raise errors.Invalid([errors.FieldError(field, "月份不能早于2000年")])
    return month


def generate(actor, township_code: str, month: dt.date | None, *, request=None) -> tuple[ExchangeTable, bool]:
    """Freeze the month's table; (table, created). Unchanged history -> the latest version, not created."""
    _require(actor, perms.GENERATE_TABLES, "create", request, "exchange_table")
    township = selectors.township_for(actor, township_code)
    if township is None:
        audit.record(actor, "create", request=request, outcome="invalid", target="exchange_table",
                     detail={"fields": ["township"]})
        raise errors.Invalid([errors.FieldError("township", "乡镇（街道）不存在或不在您的辖区内")])
    try:
        month = check_month(month)
    except errors.Invalid:
        audit.record(actor, "create", request=request, outcome="invalid", target="exchange_table",
                     detail={"fields": ["month"]})
        raise
    content = history.build(township, month)
    for _attempt in range(3):
        latest = ExchangeTable.objects.filter(township=township, month=month).order_by("-version").first()
        if latest is not None and table.same_events(latest.content, content):
            audit.record(actor, "create", request=request, target=f"exchange_table:{latest.pk}",
                         detail={"township": township.code, "month": f"{month:%Y-%m}", "unchanged": True})
            return latest, False
        changes = table.diff(latest.content, content) if latest is not None else {}
        try:
            with transaction.atomic():
                created = ExchangeTable.objects.create(
                    township=township, month=month, version=(latest.version + 1) if latest else 1,
                    generated_by=actor, content=content, supplement=changes,
                )
                audit.record(actor, "create", request=request, target=f"exchange_table:{created.pk}", detail={
                    "township": township.code, "month": f"{month:%Y-%m}", "version": created.version,
                    "lines": len(content["lines"]), "added": len(changes.get("added", [])),
                    "removed": len(changes.get("removed", [])),
                })
        except IntegrityError:  # generated concurrently: compare with that one
            continue
        return created, True
    raise errors.Conflict([errors.FieldError("month", "该月交换表正在由他人生成，请稍后刷新")])


def pending_supplement(t: ExchangeTable) -> dict:
    """What regenerating ``t``'s month now would add or remove (shown on the page before anyone acts)."""
    fresh = history.build(t.township, t.month)
    return table.diff(t.content, fresh)


def previous_counts(t_or_township, month: dt.date) -> tuple[dict, str]:
    """The previous month's counts: from its latest frozen table, else computed from the history."""
    township = getattr(t_or_township, "township", t_or_township)
    prev = table.previous_month(month)
    frozen = ExchangeTable.objects.filter(township=township, month=prev).order_by("-version").first()
    if frozen is not None:
        return frozen.content.get("counts", {}), f"上月已生成的交换表（第{frozen.version}版）"
    return history.build(township, prev)["counts"], "上月按现有记录计算（上月未生成交换表）"


def summary_rows(t: ExchangeTable) -> tuple[list[dict], str]:
    counts, source = previous_counts(t, t.month)
    return table.compare(t.content.get("counts", {}), counts), source


def record_receipt(actor, t: ExchangeTable, data: dict, *, request=None) -> Receipt:
    """A department signed for this version: department, date, who signed, note. Recording it again
    for the same department corrects it."""
    target = f"exchange_table:{t.pk}"
    _require(actor, perms.RECORD_RECEIPTS, "update", request, target)
    allowed = departments_for(t.township_id)
    problems = []
    department = (data.get("department") or "").strip()
    if department not in allowed:
        problems.append(errors.FieldError("department", "部门应为本乡镇信息交换的成员单位之一：" + "、".join(allowed.values())))
    received_on = data.get("received_on")
    if isinstance(received_on, str):
        try:
            received_on = dt.date.fromisoformat(received_on.strip()) if received_on.strip() else None
        except ValueError:
            received_on = "bad"
    received_on = received_on or clock.today()
    if received_on == "bad":
        problems.append(errors.FieldError("received_on", "签收日期格式应为YYYY-MM-DD"))
    elif received_on > clock.today():
        problems.append(errors.FieldError("received_on", "签收日期不能晚于今天"))
    elif received_on < timezone.localtime(t.generated_at).date():
        problems.append(errors.FieldError("received_on", "签收日期不能早于交换表生成日期"))
    received_by = (data.get("received_by") or "").strip()
    if not received_by:
        problems.append(errors.FieldError("received_by", "请填写签收人姓名"))
    elif len(received_by) > 50:
        problems.append(errors.FieldError("received_by", "签收人姓名不能超过50个字符"))
    note = (data.get("note") or "").strip()
    if len(note) > 200:
        problems.append(errors.FieldError("note", "备注不能超过200个字符"))
    if problems:
        audit.record(actor, "update", request=request, outcome="invalid", target=target,
                     detail={"fields": sorted({p.field for p in problems})})
        raise errors.Invalid(problems)
    with transaction.atomic():  # the receipt and its audit row together or not at all
        receipt, created = Receipt.objects.update_or_create(
            table=t, department=department,
            defaults={"received_on": received_on, "received_by": received_by, "note": note, "recorded_by": actor},
        )
        audit.record(actor, "update", request=request, target=target,
                     detail={"receipt": department, "corrected": not created})
    return receipt


def receipt_rows(t: ExchangeTable) -> list[dict]:
    """One row per member department: its receipt or None (the signature rows of the paper table)."""
    got = {r.department: r for r in t.receipts.all()}
    return [{"department": k, "label": v, "receipt": got.get(k)} for k, v in departments_for(t.township_id).items()]
