"""Transfer pages (转移, 齐云山镇2024 三（五）3 and 中梁乡2022 三6): send, inbox, accept or return, history."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from jingfang.audit import log as audit
from jingfang.core import errors, idnumber
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.registry.selectors import patients_for

from . import permissions as perms
from . import selectors, serializers, services_movement
from .forms import AcceptForm, ReturnForm, TransferForm
from .models import TRANSFER_STATUSES
from .views_common import STATES, base_context, done, list_audit, status_for


def _villages(transfer):
    return Region.objects.filter(parent_id=transfer.destination_id, level=codes.VILLAGE).order_by("code")


@perms.required(perms.VIEW_TRANSFERS)
def transfer_list(request):
    direction = "in" if request.GET.get("direction") == "in" else "out"
    status = request.GET.get("status", "")
    status = status if status in TRANSFER_STATUSES else ""
    user = request.user
    lo, hi = codes.code_range(user.region_id)
    if direction == "out":
        qs = selectors.outbox_for(user)
    else:
        qs = selectors.transfers_for(user).filter(destination_id__gte=lo, destination_id__lte=hi)
    if status:
        qs = qs.filter(status=status)
    page = paginate(request, qs)
    page.object_list = [serializers.transfer_data(t, user) for t in page.object_list]
    list_audit(request, f"transfers_{direction}", page.paginator.count, ["status"] if status else [])
    context = {
        **base_context(request, "transfers"), "page": page, "qs": querystring_without_page(request),
        "direction": direction, "status": status, "statuses": TRANSFER_STATUSES,
        "inbox_count": selectors.inbox_for(user).count(),
    }
    return render(request, "intake/transfer_list.html", context)


def _patient_from(request, raw: str):
    """The patient named by a patient number or a whole ID number, within the user's jurisdiction."""
    raw = (raw or "").strip()
    number = idnumber.normalize(raw)
    patient = None
    if len(number) == 18:
        patient = selectors.patient_by_id_number(request.user, number)
    elif raw.isdigit() and len(raw) <= 12:
        patient = patients_for(request.user).filter(pk=int(raw)).first()
    if patient is None and raw:
        audit.record_request(request, "view", outcome="not_found", target="patient:lookup")
    return patient


@perms.required(perms.SEND_TRANSFER, audit_action="create")
def transfer_create(request):
    source = request.POST if request.method == "POST" else request.GET
    patient = _patient_from(request, source.get("patient", ""))
    if patient is not None and request.method == "GET":
        audit.record_request(request, "view", patient_id=patient.pk, target=f"patient:{patient.pk}")
    form = TransferForm(initial={"patient": source.get("patient", "")})
    problem = None
    if request.method == "POST":
        form = TransferForm(data=request.POST)
        data = {k: request.POST.get(k, "").strip() for k in ("destination_code", "reason", "new_address", "sent_on")}
        if patient is None:
            problem = errors.Invalid([errors.FieldError("patient", "患者不存在或不在您的辖区内（请填写患者编号或完整身份证号）")])
        else:
            try:
                transfer = services_movement.send_transfer(request.user, patient, data, request=request)
            except errors.ServiceError as exc:
                problem = exc
            else:
                return done(request, f"已转出：{patient.name}，待对方接收；接收前请继续电话随访",
                            "intake:transfer_detail", transfer.pk)
    open_transfer = patient.transfers.filter(status="sent").first() if patient is not None else None
    context = {**base_context(request, "transfers"), "form": form, "problem": problem, "patient": patient,
               "open_transfer": open_transfer}
    return render(request, "intake/transfer_form.html", context, status=status_for(problem))


@perms.required(perms.SEND_TRANSFER)
def township_lookup(request):
    """htmx: the township a 12-digit code names (regions are not personal data)."""
    code = request.GET.get("destination_code", "").strip()
    region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
    if region is None or region.level != codes.TOWNSHIP:
        return HttpResponse('<span class="muted">未找到该乡镇（街道）</span>')
    return HttpResponse(format_html('<span class="tag stable">{}</span>', region.full_name()))


@perms.required(perms.VIEW_TRANSFERS)
def transfer_inbox(request):
    user = request.user
    transfers = list(selectors.inbox_for(user))
    items = [{"t": serializers.transfer_data(t, user, with_summary=True), "villages": _villages(t)}
             for t in transfers]
    audit.record_request(request, "list", target="transfer_inbox", detail={
        "count": len(items), "patients": [t.patient_id for t in transfers][:50]})
    context = {**base_context(request, "transfers"), "items": items, "states": STATES}
    return render(request, "intake/transfer_inbox.html", context)


def _detail(request, transfer, problem=None, status=200, step=""):
    user = request.user
    destination = selectors.is_destination_side(user, transfer)
    pending = transfer.status == "sent"
    context = {
        **base_context(request, "transfers"),
        "transfer": transfer,
        "t": serializers.transfer_data(transfer, user, with_summary=destination and pending),
        "destination_side": destination,
        "origin_side": selectors.is_origin_side(user, transfer),
        "can_open_file": patients_for(user).filter(pk=transfer.patient_id).exists(),
        "accept_form": AcceptForm(villages=_villages(transfer)) if destination and pending else None,
        "return_form": ReturnForm() if destination and pending else None,
        "villages": _villages(transfer), "problem": problem, "step": step,
    }
    return render(request, "intake/transfer_detail.html", context, status=status)


@perms.required(perms.VIEW_TRANSFERS)
def transfer_detail(request, pk):
    return _detail(request, selectors.get_transfer_for(request, pk))


def _act(step: str):
    function = services_movement.accept_transfer if step == "accept" else services_movement.return_transfer
    keys = ("village_code", "accepted_on") if step == "accept" else ("reason",)

    @require_POST
    @perms.required(perms.ACCEPT_TRANSFER, audit_action="update")
    def view(request, pk):
        transfer = selectors.get_transfer_for(request, pk, action="update", audit_success=False)
        data = {k: request.POST.get(k, "").strip() for k in keys}
        try:
            transfer = function(request.user, transfer, data, request=request)
        except errors.ServiceError as exc:
            transfer.refresh_from_db()
            return _detail(request, transfer, exc, exc.status, step)
        if step == "accept":
            message = f"已接收：{transfer.patient.name}已转入{transfer.destination_village.name}，档案与随访记录随之转入"
        else:
            message = "已退回：患者仍由转出乡镇管理"
        return done(request, message, "intake:transfer_detail", transfer.pk)

    view.__name__ = f"transfer_{step}"
    return view


transfer_accept = _act("accept")
transfer_return = _act("return")
