"""Transfer pages (转移, 齐云山镇2024 三（五）3 and 中梁乡2022 三6): send, inbox, accept or return, history."""

from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from jingfang.audit import log as audit
from jingfang.core import errors, idnumber, ids, picker
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.regions import codes
from jingfang.regions import selectors as region_selectors
from jingfang.regions.models import Region
from jingfang.registry import picker as patient_picker
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
    qs = selectors.transfers(user, direction=direction, status=status)
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
    elif ids.parse(raw) is not None:
        patient = patients_for(request.user).filter(pk=ids.parse(raw)).first()
    if patient is None and raw:
        audit.record_request(request, "view", outcome="not_found", target="patient:lookup")
    return patient


def destination_options(raw_q: str, chosen: str = "") -> tuple[list[picker.Option], str]:
    """The region picker's options: townships named like ``raw_q`` or holding a village so named (any
    township of the tree may receive a transfer; the service refuses the patient's own)."""
    q = picker.query(raw_q)
    found, more = region_selectors.townships_named(q.text, limit=picker.MAX_RESULTS) if q.text else ([], False)
    options = [picker.Option(r.code, _destination_label(r, q.text)) for r in found]
    if chosen and chosen not in {o.value for o in options}:
        region = Region.objects.filter(code=chosen, level=codes.TOWNSHIP).first() if codes.is_valid_code(chosen) else None
        options = [picker.Option(region.code, _destination_label(region, "")), *options] if region else options
    return options, picker.hint(options, more, q)


def _destination_label(region, q: str) -> str:
    label = region.full_name()
    return f"{label}（下辖村含“{q}”）" if getattr(region, "via_village", False) else label


@perms.required(perms.SEND_TRANSFER, audit_action="create")
def transfer_create(request):
    posting = request.method == "POST"
    finding = picker.finding(request.POST) if posting else ""  # a 查找 button without JavaScript
    source = request.POST if posting else request.GET
    patient = _patient_from(request, source.get("patient", ""))
    if patient is not None and (not posting or finding):
        audit.record_request(request, "view", patient_id=patient.pk, target=f"patient:{patient.pk}")
    form = TransferForm(initial={"patient": source.get("patient", "")})
    problem = None
    if finding:
        form = TransferForm(data=request.POST)
    elif posting:
        form = TransferForm(data=request.POST)
        data = {k: request.POST.get(k, "").strip() for k in ("destination_code", "reason", "new_address", "sent_on")}
        if patient is None:
            problem = errors.Invalid([errors.FieldError("patient", "请选择患者（在本辖区内按姓名或身份证号后4位查找）")])
        else:
            try:
                transfer = services_movement.send_transfer(request.user, patient, data, request=request)
            except errors.ServiceError as exc:
                problem = exc
            else:
                return done(request, f"已转出：{patient.name}，待对方接收；接收前请继续电话随访",
                            "intake:transfer_detail", transfer.pk)
    open_transfer = patient.transfers.filter(status="sent").first() if patient is not None else None
    patient_q = request.POST.get("patient_q", "") if posting else ""
    patient_options, patient_hint = patient_picker.options_with_chosen(request, patient, patient_q,
                                                                        target="transfer_form")
    destination_q = request.POST.get("destination_code_q", "") if posting else ""
    chosen_destination = source.get("destination_code", "").strip()
    destination, destination_hint = destination_options(destination_q, chosen_destination)
    fields = {e.field for e in problem.errors} if problem is not None else set()
    context = {**base_context(request, "transfers"), "form": form, "problem": problem, "patient": patient,
               "open_transfer": open_transfer,
               "patient_options": patient_options, "patient_hint": patient_hint, "patient_q": patient_q,
               "destination_options": destination, "destination_hint": destination_hint,
               "destination_q": destination_q, "destination_code": chosen_destination,
               "patient_invalid": "patient" in fields, "destination_invalid": "destination_code" in fields}
    return render(request, "intake/transfer_form.html", context, status=status_for(problem))


@require_GET
@perms.required(perms.SEND_TRANSFER)
def destination_pick(request):
    """htmx: the options of the transfer form's destination picker (regions are not personal data)."""
    options, hint = destination_options(request.GET.get("destination_code_q", ""), "")
    return picker.options_response(request, options, chosen=request.GET.get("destination_code", ""), hint_text=hint)


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
