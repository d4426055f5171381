"""The rolling count of personal rows a user takes out: exports and API list pages alike.

The approval threshold (``JINGFANG_EXPORT_APPROVAL_ROWS``) caps the sum of the personal rows one user
takes out without approval within ``JINGFANG_EXPORT_WINDOW_HOURS`` (default 24), whatever the path:
xlsx exports (exports.guard) and the pages of the API's lists of patients and other personal records
(``check_api_page``). An export that would cross it needs approval, as a large export always did; an
API page that would cross it is refused (403, ``approval_required``) with a message pointing at the
export and its approval. Rows exported with an approval, aggregates and exempt roles (county
supervisors) are not counted.

Concurrency: the check and the record happen in one transaction that first locks the user's row
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's immediate transactions serialise every writer), so
parallel requests of one user are counted one after the other and cannot overshoot together. A page
export large enough for the background worker is checked when asked for and counted when the worker
builds it (the window may have filled meanwhile: then the worker's replay is refused like any other).
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from jingfang.audit import log as audit
from jingfang.core import errors

from . import rules
from .models import RowTally

EXPORT, API = "export", "api"


def threshold() -> int:
    return int(getattr(settings, "JINGFANG_EXPORT_APPROVAL_ROWS", rules.DEFAULT_THRESHOLD))


def window_hours() -> int:
    return int(getattr(settings, "JINGFANG_EXPORT_WINDOW_HOURS", rules.DEFAULT_WINDOW_HOURS))


def used(user, now=None) -> int:
    """Personal rows the user has taken out without approval within the window."""
    since = (now or timezone.now()) - dt.timedelta(hours=window_hours())
    return RowTally.objects.filter(user=user, at__gt=since).aggregate(n=Sum("rows"))["n"] or 0


def take(user, rows: int, *, channel: str, target: str = "", record: bool = True) -> int | None:
    """Count ``rows`` personal rows against the user's window: None when they fit (and, with
    ``record``, recorded at once), else the rows already taken (nothing recorded)."""
    rows = int(rows)
    if rows <= 0 or user.role in rules.EXEMPT_ROLES:  # nothing personal leaves, or nobody counts it
        return None
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
        now = timezone.now()
        RowTally.objects.filter(user=user, at__lte=now - dt.timedelta(hours=window_hours())).delete()
        already = used(user, now)
        if rules.needs_approval(rows, threshold(), user.role, already=already):
            return already
        if record:
            RowTally.objects.create(user=user, at=now, rows=rows, channel=channel, target=target[:200])
    return None


class ApprovalRequired(errors.Forbidden):
    """An API list page refused because the user's window is full (403)."""


def check_api_page(request, rows: int, *, action: str, target: str = "") -> None:
    """Count an API list page of ``rows`` personal rows; raise ApprovalRequired (audited) when it
    would cross the threshold. Call after the page is read and before it is answered."""
    already = take(request.user, rows, channel=API, target=target or request.path)
    if already is None:
        return
    limit, hours = threshold(), window_hours()
    audit.record_request(request, action, outcome="denied", target=(target or request.path)[:200],
                         detail={"count": rows, "window_rows": already, "threshold": limit})
    raise ApprovalRequired(
        f"过去{hours}小时内您已取得{already}行个人信息，本页{rows}行将超过{limit}行的限额：须经审批。"
        "请在网页上导出所需名单并按提示申请审批（导出申请见“我的导出申请”），或缩小查询范围、稍后再查",
        approval_required=True, window_rows=already, row_count=rows, threshold=limit, window_hours=hours)
