"""Statistics pages: the dashboard (/stats/), the KPI table (/stats/kpis/), the patients behind a figure,
and their xlsx exports. Regions are checked against the user (permissions.region_for); patient lists
go through registry.selectors.patients_for and are audited."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import clock
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.exports import guard
from jingfang.followups import engine
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry import selectors
from jingfang.registry.serializers import patient_summary

from . import charts, compute, export, permissions, snapshots
from .kpis import KEYS, KPI, SPECS, Period

WINDOWS = {1: "自然月", 3: "滚动3个月", 12: "滚动12个月"}
MAX_DAYS = 366 * 5


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def period_from(request) -> tuple[Period, str]:
    """The period asked for (default: this year to date) and a warning when the request was corrected."""
    today = clock.today()
    start = _date(request.GET.get("start")) or dt.date(today.year, 1, 1)
    end = _date(request.GET.get("end")) or today
    if end < start or (end - start).days > MAX_DAYS or start.year < 2000:
        return Period(dt.date(today.year, 1, 1), today), "统计期无效（结束日期早于开始日期或超过5年），已改为今年1月1日至今"
    return Period(start, end), ""


def _int(value, allowed, default):
    try:
        value = int(value)
    except (TypeError, ValueError):
        return default
    return value if value in allowed else default


def regions_for(user, current: Region | None = None) -> list[Region]:
    """The user's region and the regions within it down to two levels below, for the region picker (not
    personal data): a county user picks townships and villages as before, a province user cities and
    counties (not its twenty thousand villages); the region shown is always in the list."""
    lo, hi = codes.code_range(user.region_id)
    level = codes.level_of(user.region_id)
    regions = list(Region.objects.filter(code__gte=lo, code__lte=hi, level__gte=level, level__lte=level + 2)
                   .order_by("code"))
    if current is not None and all(r.code != current.code for r in regions):
        regions = sorted([*regions, current], key=lambda r: r.code)
    return regions


def ranked(rows: list[tuple[Region, list[KPI]]], key: str) -> list[tuple[Region, KPI, list[KPI]]]:
    """Child regions best first on one KPI (highest first; lowest first for lost and self-paid)."""
    out = [(r, next(k for k in ks if k.key == key), ks) for r, ks in rows]
    lower_better = SPECS[key].target_op == "<="

    def order(row):
        value = row[1].value
        return (value is None, (value if lower_better else -value) if value is not None else 0, row[0].code)

    return sorted(out, key=order)


def _who(user) -> str:
    return f"{user.get_full_name() or user.username}（{user.role_label}）"


def _context(request, region, period, warning) -> dict:
    return {"region": region, "period": period, "warning": warning, "regions": regions_for(request.user, region),
            "can_export": permissions.can_export(request.user), "qs": request.GET.urlencode(),
            "base_qs": f"region={region.code}&start={period.start}&end={period.end}"}


@permissions.stats_required
def dashboard(request):
    region = permissions.region_for(request, request.GET.get("region"))
    period, warning = period_from(request)
    window = _int(request.GET.get("window"), WINDOWS, 1)
    board = permissions.visible_board(request.user, compute.board(region, period, window=window))
    columns = [k for k in board.kpis if not k.withheld]
    shown = {k.key for k in columns}
    ranks = [k for k in KEYS if k in shown]
    rank_key = request.GET.get("rank") if request.GET.get("rank") in ranks else "management"
    trend_keys = [k for k in charts.TREND_KEYS if k in shown]
    by = compute.by_key(board.kpis)
    rows = ranked(board.ranking, rank_key)
    ctx = _context(request, region, period, warning)
    ctx.update({
        "board": board, "kpis": board.kpis, "by": by, "columns": columns,
        "withheld": "、".join(k.name for k in board.kpis if k.withheld), "window": window, "windows": WINDOWS, "rank_key": rank_key,
        "rank_name": SPECS[rank_key].name, "specs": {k: SPECS[k] for k in ranks}, "ranking": rows,
        "trend_chart": charts.both(charts.trend_chart, board.trend, trend_keys),
        "trend_legend": charts.trend_legend(board.trend, trend_keys),
        "prevalence_chart": charts.both(charts.prevalence_chart, board.trend, by["prevalence"].target),
        "prevalence_legend": charts.prevalence_legend(by["prevalence"].target),
        "ranking_chart": charts.both(charts.ranking_chart, [(r.name, k) for r, k, _ in rows]) if rows else None,
        "trend_rows": [(p, charts.month_label(p), compute.by_key(ks)) for p, ks in board.trend],
        "child_level": codes.LEVEL_NAMES.get(region.level + 1, "下级区划"),
    })
    ctx["workforce"] = _workforce(request.user, region)
    ctx["rehab"] = _rehab(request.user, region, period)
    return render(request, "stats/dashboard.html", ctx)


def _workforce(user, region):
    """The workforce KPIs (薛城区2016 一（二）4) for the roles that read the register's counts, else None."""
    from jingfang.workforce import compute as workforce_compute
    from jingfang.workforce import permissions as workforce_permissions

    if not workforce_permissions.can_count(user) or region.level > codes.TOWNSHIP:
        return None
    return workforce_compute.board(region)


def _rehab(user, region, period):
    """The community rehabilitation KPIs (薛城区2016 一（二）2) of the period's year, for the roles that read
    them, else None."""
    from jingfang.rehab import compute as rehab_compute
    from jingfang.rehab import permissions as rehab_permissions

    if not rehab_permissions.has(user, rehab_permissions.KPI_VIEW):
        return None
    return rehab_compute.board(region, period.end.year)


@permissions.stats_required
@guard.export_view
def dashboard_export(request):
    _require_export(request)
    region = permissions.region_for(request, request.GET.get("region"), action="export")
    period, _ = period_from(request)
    window = _int(request.GET.get("window"), WINDOWS, 1)
    board = permissions.visible_board(request.user, compute.board(region, period, window=window))
    title = f"{region.name}工作指标 {period.label}"
    sheets = export.board_sheets(board, title)
    workforce = _workforce(request.user, region)
    if workforce is not None:
        from jingfang.workforce.export import dashboard_sheet

        sheets.append(dashboard_sheet(workforce, title))
    rehab = _rehab(request.user, region, period)
    if rehab is not None:
        from jingfang.rehab.export import dashboard_sheet as rehab_sheet

        sheets.append(rehab_sheet(rehab, title))
    return guard.send(request, count=sum(len(s[3]) for s in sheets), personal=False, target="stats:dashboard.xlsx",
                      filename=f"工作指标-{region.name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx",
                      build=lambda: export.workbook(sheets, _who(request.user)), detail={"region": region.code})


@permissions.stats_required
def kpi_table(request):
    region = permissions.region_for(request, request.GET.get("region"))
    period, warning = period_from(request)
    answer = snapshots.kpis_for_table(region, period)
    if answer.period != period:
        warning = f"所选统计期尚未汇总，显示{answer.period.label}的数据" + (f"；{warning}" if warning else "")
    ctx = _context(request, region, answer.period, warning)
    profile = engine.profile_for(region.code)
    ctx.update({"kpis": permissions.visible_kpis(request.user, answer.kpis), "profile": profile, "targets": profile.targets, "snapshot": answer.notice,
                "listable": permissions.listable(request.user, KEYS)})
    return render(request, "stats/kpis.html", ctx)


@permissions.stats_required
@guard.export_view
def kpi_export(request):
    _require_export(request)
    region = permissions.region_for(request, request.GET.get("region"), action="export")
    period, _ = period_from(request)
    kpis = permissions.visible_kpis(request.user, compute.kpis_for(region, period))
    title = f"{region.name}工作指标 {period.label}"
    sheets = export.kpi_sheets(title, kpis)
    return guard.send(request, count=sum(len(s[3]) for s in sheets), personal=False, target="stats:kpis.xlsx",
                      filename=f"工作指标-{region.name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx",
                      build=lambda: export.workbook(sheets, _who(request.user)), detail={"region": region.code})


def _require_export(request) -> None:
    if not permissions.can_export(request.user):
        audit.record_request(request, "export", outcome="denied", target=f"page:{request.path[:100]}")
        raise PermissionDenied("您的角色无权导出")


@permissions.stats_required
def kpi_patients(request, key: str):
    """The patients behind a numerator or a denominator, within the user's jurisdiction, paged, audited."""
    if key not in KEYS:
        raise Http404("指标不存在")
    which = "denominator" if request.GET.get("which") == "denominator" else "numerator"
    region = permissions.region_for(request, request.GET.get("region"), action="list")
    period, warning = period_from(request)
    kpi = next(k for k in compute.kpis_for(region, period) if k.key == key)  # ids: checked by may_list below
    if which == "denominator" and not kpi.lists_denominator:
        raise Http404("该指标的分母不是患者")
    if not permissions.may_list(request.user, key, which):
        audit.record_request(request, "list", outcome="denied", target=f"kpi:{key}:{which}")
        raise PermissionDenied("该名单涉及病情或服药信息，仅卫生健康人员可以查看")
    ids = kpi.numerator_ids if which == "numerator" else kpi.denominator_ids
    qs = selectors.patients_for(request.user).filter(pk__in=ids).select_related("region")
    page = paginate(request, qs.order_by("region_id", "name", "id"))
    role = request.user.role
    rows = [(p, patient_summary(p, role)) for p in page.object_list]
    # Who was shown, and for which period: the rows of this page, as the patient picker records them.
    audit.record_request(request, "list", target=f"kpi:{key}:{which}",
                         detail={"count": page.paginator.count, "region": region.code,
                                 "start": period.start.isoformat(), "end": period.end.isoformat(),
                                 "page": page.number, "patients": [p.pk for p, _ in rows]})
    ctx = _context(request, region, period, warning)
    ctx.update({"kpi": permissions.visible_kpis(request.user, [kpi])[0], "which": which, "page": page, "rows": rows, "qs": querystring_without_page(request),
                "label": kpi.numerator_label if which == "numerator" else kpi.denominator_label,
                "sees_clinical": roles.sees_clinical(role),
                "other_ok": permissions.may_list(request.user, key, "denominator" if which == "numerator" else "numerator")})
    return render(request, "stats/kpi_patients.html", ctx)
