"""The township doctor's review of visits a sync held (离线随访待审核): the list, and one visit with its
actions 录入, 转交 and 不予录入."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.audit import log as audit
from jingfang.core import errors
from jingfang.core.paging import paginate

from . import formdef, selectors, services
from .models import OfflineEntry

STATES = {"pending": "待审核", "done": "已处理"}


@require_GET
@permission_required(roles.REVIEW_OFFLINE)
def held(request):
    state = request.GET.get("state", "pending")
    state = state if state in STATES else "pending"
    qs = selectors.held_for(request.user).select_related("user", "recorder_region")
    qs = qs.filter(review_state="pending") if state == "pending" else qs.exclude(review_state="pending")
    page = paginate(request, qs.order_by("synced_at", "id") if state == "pending" else qs.order_by("-reviewed_at", "-id"))
    audit.record_request(request, "list", target="offline_held", detail={"count": page.paginator.count, "state": state})
    return render(request, "offline/held.html", {"page": page, "state": state, "states": STATES,
                                                  "reasons": OfflineEntry.HELD_REASONS})


def _summary(entry: OfflineEntry) -> list[tuple[str, str]]:
    """The held form's filled fields as (label, value) in the definition's order and labels."""
    definition = formdef.definition()
    out = []
    for group in definition["groups"]:
        for name in group["fields"]:
            spec, value = definition["fields"][name], entry.form.get(name)
            if value in (None, "", [], {}, False):
                continue
            choices = dict(spec.get("choices", []))
            keys = dict(spec.get("keys", []))
            if spec["type"] == "choice":
                text = choices.get(value, str(value))
            elif spec["type"] == "multi":
                text = "、".join(choices.get(v, str(v)) for v in value)
            elif spec["type"] == "bool":
                text = "是"
            elif spec["type"] == "medications":
                text = "；".join(f"{m.get('name', '')} {m.get('dose', '')}".strip() for m in value if isinstance(m, dict))
            elif spec["type"] in ("dict_choice", "dict_int"):
                text = "、".join(f"{keys.get(k, k)}：{choices.get(v, v)}" for k, v in value.items()) \
                    if isinstance(value, dict) else str(value)
            elif spec["type"] == "list_text":
                text = "、".join(map(str, value))
            else:
                text = str(value)
            out.append((spec["label"], text))
    return out


@require_http_methods(["GET", "POST"])
@permission_required(roles.REVIEW_OFFLINE, audit_action="update")
def held_detail(request, pk: int):
    entry = selectors.get_held_for(request, pk, action="view" if request.method == "GET" else "update")
    problem = None
    reason = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")[:300]
        try:
            if action == "apply":
                services.apply_held(request.user, entry, request=request)
                messages.success(request, "已录入该随访。")
            elif action == "forward":
                services.forward_held(request.user, entry, request=request)
                messages.success(request, "已转交患者现管理乡镇的精防人员审核。")
            elif action == "dismiss":
                services.dismiss_held(request.user, entry, reason, request=request)
                messages.success(request, "已不予录入，录入人将看到理由。")
            else:
                raise errors.Invalid([errors.FieldError("action", "请选择录入、转交或不予录入")])
        except errors.ServiceError as exc:
            problem = exc
        else:
            return HttpResponseRedirect(reverse("offline:held"))
    else:
        audit.record_request(request, "view", target=f"offline_entry:{entry.pk}")
    mine = entry.review_region_id and selectors.held_for(request.user).filter(pk=entry.pk).exists()
    return render(request, "offline/held_detail.html", {
        "entry": entry, "summary": _summary(entry), "problem": problem, "reason": reason, "mine": mine,
        "reasons": OfflineEntry.HELD_REASONS, "recorder": entry.user.get_full_name() or entry.user.username},
        status=422 if problem else 200)
