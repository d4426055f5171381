"""Pages of the monthly exchange table: months of the user's township(s), one table, its xlsx for
signing, and the departments' receipts."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.exports import guard

from . import export, selectors, serializers, services, table
from . import permissions as perms
from .forms import ReceiptForm
from .models import DEPARTMENTS

TABLE_RULE = (
    "依据：镇综合管理小组成员单位（综治中心、公安、民政、卫生院、残联）每月开展书面信息交换，规范填写"
    "《乡镇严重精神障碍患者管理信息交换表》并附送患者个案信息（齐云山镇2024，三（六）2）；"
    "每月交换一次，跟踪核实住院、出院等信息，确保各部门信息一致（中梁乡2022，三6）；"
    "平桥区成员单位增加司法（平桥区2025，三（二））。"
)
MONTHS_LISTED = 12


def who(user) -> str:
    return f"{user.get_full_name() or user.username}（{user.role_label}）"


def context(request, **extra) -> dict:
    return {"rule": TABLE_RULE, "section": "tables", **perms.flags(request.user), **extra}


def ended_months(count: int = MONTHS_LISTED) -> list:
    month = table.previous_month(clock.today())
    out = []
    for _ in range(count):
        out.append(month)
        month = table.previous_month(month)
    return out


@perms.required(perms.VIEW_TABLES)
def table_list(request):
    user = request.user
    townships = selectors.townships_for(user)
    chosen = selectors.township_for(user, request.GET.get("township", "")) or (townships[0] if townships else None)
    rows = []
    if chosen is not None:
        latest = {t.month: t for t in selectors.latest_tables(user, chosen.code)}
        departments = services.departments_for(chosen.code)
        for month in ended_months():
            t = latest.get(month)
            rows.append({"month": month, "table": t, "received": len(t.receipts.all()) if t else 0,
                         "departments": len(departments)})
    members, cite = services.exchange_rule(chosen.code) if chosen else ([], "")
    audit.record_request(request, "list", target="exchange_tables",
                         detail={"count": sum(1 for r in rows if r["table"]), "township": chosen.code if chosen else ""})
    return render(request, "exchange/table_list.html", context(
        request, townships=townships, township=chosen, rows=rows,
        members="、".join(DEPARTMENTS.get(k, k) for k in members), cite=cite))


@require_POST
@perms.required(perms.GENERATE_TABLES, audit_action="create")
def table_generate(request):
    month = table.parse_month(request.POST.get("month", ""))
    try:
        t, created = services.generate(request.user, request.POST.get("township", ""), month, request=request)
    except errors.ServiceError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
        return HttpResponseRedirect(reverse("exchange:tables") + f"?township={request.POST.get('township', '')[:12]}")
    if created and t.version > 1:
        n = len(t.supplement.get("added", []))
        messages.success(request, f"已生成第{t.version}版：补录{n}条，撤销{len(t.supplement.get('removed', []))}条")
    elif created:
        messages.success(request, f"已生成{t.month:%Y年%m月}交换表")
    else:
        messages.success(request, f"记录无变化，沿用第{t.version}版")
    return HttpResponseRedirect(reverse("exchange:table", args=[t.pk]))


@perms.signed_in
def table_detail(request, pk):
    t = selectors.get_table_for(request, pk)
    detail = serializers.table_detail(t, request.user.role)
    versions = list(selectors.versions_of(t))
    latest = versions[-1]
    pending = {"added": [], "removed": []}
    if latest.pk == t.pk:  # only the latest version is compared with the history as it stands now
        pending = {k: [serializers.line_out(ln) for ln in serializers.shown_lines(v, request.user.role)]
                   for k, v in services.pending_supplement(t).items()}
    groups = []
    for key, label in table.CATEGORIES:
        lines = [ln for ln in detail["lines"] if ln["category"] == key]
        if lines:
            groups.append({"key": key, "label": label, "lines": lines})
    return render(request, "exchange/table_detail.html", context(
        request, t=t, d=detail, groups=groups, pending=pending, versions=versions, latest=latest,
        receipts=services.receipt_rows(t), is_latest=latest.pk == t.pk))


@perms.signed_in
@guard.export_view
def table_xlsx(request, pk):
    t = selectors.get_table_for(request, pk, audit_success=False)
    if not perms.can(request.user, perms.EXPORT_TABLES):
        audit.record_request(request, "export", outcome="denied", target=f"exchange_table:{t.pk}")
        raise PermissionDenied("您的角色无权导出")
    detail = serializers.table_detail(t, request.user.role)
    filename = f"信息交换表_{t.township.name}_{detail['month']}_第{t.version}版.xlsx"
    return guard.send(request, count=len(detail["lines"]), filename=filename, target=f"exchange_table:{t.pk}",
                      build=lambda: export.workbook(detail, who(request.user)),
                      detail={"township": t.township_id, "month": detail["month"]})


@perms.signed_in
def receipt_form(request, pk):
    t = selectors.get_table_for(request, pk, audit_success=request.method == "GET")
    if not perms.can(request.user, perms.RECORD_RECEIPTS):
        audit.record_request(request, "update", outcome="denied", target=f"exchange_table:{t.pk}")
        raise PermissionDenied("您的角色无权登记签收")
    departments = services.departments_for(t.township_id)
    problem = None
    form = ReceiptForm(departments=departments, initial={"department": request.GET.get("department", "")})
    if request.method == "POST":
        form = ReceiptForm(data=request.POST, departments=departments)
        data = {k: request.POST.get(k, "") for k in ("department", "received_on", "received_by", "note")}
        try:
            services.record_receipt(request.user, t, data, request=request)
        except errors.ServiceError as exc:
            problem = exc
        else:
            messages.success(request, f"已登记{departments.get(data['department'], '')}签收")
            return HttpResponseRedirect(reverse("exchange:table", args=[t.pk]))
    return render(request, "exchange/receipt_form.html", context(
        request, t=t, form=form, problem=problem, receipts=services.receipt_rows(t)),
        status=problem.status if problem else 200)
