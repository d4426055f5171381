"""Report card and discharge form pages (报告卡/出院信息单, 齐云山镇2024 三（六）3)."""

from django.shortcuts import render
from django.views.decorators.http import require_POST

from jingfang.accounts import roles
from jingfang.core import clock, errors, vocab
from jingfang.core.masking import mask_id_number
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.exports import guard
from jingfang.regions import codes
from jingfang.regions.models import Region

from . import deadlines, selectors, services
from . import permissions as perms
from .forms import ReportCardForm
from .models import REPORT_KINDS, REPORT_STATUSES
from .views_common import STATES, base_context, deny, done, export, list_audit, parse_date, status_for


def _filters(request) -> dict:
    status = request.GET.get("status", "open")
    kind = request.GET.get("kind", "")
    return {
        "status": status if status in ("", "open", *REPORT_STATUSES) else "open",
        "kind": kind if kind in REPORT_KINDS else "",
        "q": request.GET.get("q", "").strip()[:50],
        "received_from": parse_date(request.GET.get("from", "")),
        "received_to": parse_date(request.GET.get("to", "")),
        "overdue": request.GET.get("overdue") == "1",
    }


def _used(filters: dict) -> list[str]:
    return sorted(k for k, v in filters.items() if v not in ("", None, False) and not (k == "status" and v == "open"))


def _cards(user, f: dict):
    return selectors.report_cards(user, status=f["status"], kind=f["kind"], q=f["q"],
                                  received_from=f["received_from"], received_to=f["received_to"])


@perms.required(perms.VIEW_REPORTS)
def report_list(request):
    f = _filters(request)
    qs = _cards(request.user, f)
    if f["overdue"]:
        rows = [r for r in deadlines.card_rows(qs) if r["overdue"]]
        page = paginate(request, rows)
    else:
        page = paginate(request, qs)
        page.object_list = deadlines.card_rows(page.object_list)
    list_audit(request, "report_cards", page.paginator.count, _used(f))
    context = {
        **base_context(request, "reports"),
        "page": page, "filters": f, "qs": querystring_without_page(request),
        "kinds": REPORT_KINDS, "statuses": REPORT_STATUSES, "states": STATES,
        "alert": deadlines.overdue_counts(request.user) if request.user.role == roles.TOWNSHIP_OFFICE else None,
        "sees_clinical": roles.sees_clinical(request.user.role),
        "can_export": roles.can(request.user.role, roles.EXPORT),
    }
    return render(request, "intake/report_list.html", context)


@perms.required(perms.VIEW_REPORTS, audit_action="export")
@guard.export_view
def report_export(request):
    if not roles.can(request.user.role, roles.EXPORT):
        deny(request, "export")
    f = _filters(request)
    sees = roles.sees_clinical(request.user.role)
    headers = ["编号", "类别", *(["报告医疗机构"] if sees else []), "收到日期", "患者姓名", "身份证号（脱敏）", "报告卡所填住址",
               *(["诊断"] if sees else []), "接收乡镇", "状态", "接收日期", "建档录入日期", "联系派出所日期",
               "转县疾控日期", "下一时限", "时限状态", "时限暂定"]

    def row(r):
        c, nxt = r["card"], r["next"]
        return [c.pk, c.get_kind_display(), *([c.hospital] if sees else []), c.received_on.isoformat(), c.patient_name,
                mask_id_number(c.id_number), c.address, *([vocab.DIAGNOSES.get(c.diagnosis, "")] if sees else []),
                c.township.name, c.get_status_display(), _iso(c.accepted_on), _iso(c.entered_on),
                _iso(c.police_asked_on), _iso(c.cdc_referred_on), _iso(nxt.due_date) if nxt else "",
                STATES[nxt.state] if nxt else "", bool(nxt and nxt.provisional)]

    rows = [r for r in deadlines.card_rows(_cards(request.user, f)) if r["overdue"] or not f["overdue"]]
    return export(request, "报告卡与出院信息单", "报告卡.xlsx", headers, (row(r) for r in rows), _used(f))


def _iso(value) -> str:
    return value.isoformat() if value else ""


@perms.required(perms.RECEIVE_REPORTS, audit_action="create")
def report_create(request):
    sees = roles.sees_clinical(request.user.role)
    form, problem = ReportCardForm(sees_clinical=sees, initial={"kind": "discharge", "received_on": clock.today()}), None
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in form.fields}
        data["address_unknown"] = bool(request.POST.get("address_unknown"))
        try:
            card = services.receive_card(request.user, data, request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = ReportCardForm(data=request.POST, sees_clinical=sees)
            form.is_valid()
        else:
            return done(request, "已登记收到报告卡", "intake:report_detail", card.pk)
    context = {**base_context(request, "reports"), "form": form, "problem": problem}
    return render(request, "intake/report_form.html", context, status=status_for(problem))


def _detail_context(request, card, problem=None, step="") -> dict:
    user = request.user
    villages = Region.objects.filter(level=codes.VILLAGE, code__gte=codes.code_range(user.region_id)[0],
                                     code__lte=codes.code_range(user.region_id)[1]).select_related("parent")
    existing = selectors.patient_by_id_number(user, card.id_number) if card.status == "accepted" else None
    return {
        **base_context(request, "reports"),
        "card": card, "deadlines": deadlines.card_deadlines(card), "states": STATES,
        "problem": problem, "step": step, "villages": villages, "existing": existing,
        "diagnoses": vocab.DIAGNOSES, "relations": vocab.GUARDIAN_RELATIONS, "sees_clinical": roles.sees_clinical(user.role),
        "post": request.POST if request.method == "POST" else {},
    }


@perms.required(perms.VIEW_REPORTS)
def report_detail(request, pk):
    card = selectors.get_report_card_for(request, pk)
    return render(request, "intake/report_detail.html", _detail_context(request, card))


STEPS = {
    "accept": (services.accept_card, "已接收报告卡"),
    "police_query": (services.police_query, "已登记联系派出所"),
    "refer_cdc": (services.refer_cdc, "已登记转县疾控"),
}


def _step_view(step: str):
    function, message = STEPS[step]

    @require_POST
    @perms.required(perms.RECEIVE_REPORTS, audit_action="update")
    def view(request, pk):
        card = selectors.get_report_card_for(request, pk, action="update", audit_success=False)
        data = {"date": request.POST.get("date", ""), "text": request.POST.get("text", "")}
        try:
            function(request.user, card, data, request=request)
        except errors.ServiceError as exc:
            card.refresh_from_db()
            return render(request, "intake/report_detail.html", _detail_context(request, card, exc, step),
                          status=exc.status)
        return done(request, message, "intake:report_detail", card.pk)

    view.__name__ = f"report_{step}"
    return view


report_accept = _step_view("accept")
report_police_query = _step_view("police_query")
report_refer_cdc = _step_view("refer_cdc")

ENTER_FIELDS = ("id_number", "entered_on", "name", "region_code", "household_region_code", "address", "phone",
                "diagnosis", "diagnosis_date")


@require_POST
@perms.required(perms.ENTER_REPORTS, audit_action="update")
def report_enter(request, pk):
    card = selectors.get_report_card_for(request, pk, action="update", audit_success=False)
    data = {k: request.POST.get(k, "").strip() for k in ENTER_FIELDS}
    guardian = {k: v for k in ("name", "relation", "phone") if (v := request.POST.get(f"guardian_{k}", "").strip())}
    try:
        card = services.enter_card(request.user, card, data, guardian if guardian.get("name") else None,
                                   request=request)
    except errors.ServiceError as exc:
        card.refresh_from_db()
        return render(request, "intake/report_detail.html", _detail_context(request, card, exc, "enter"),
                      status=exc.status)
    return done(request, f"已建档录入：{card.patient.name}", "intake:report_detail", card.pk)
