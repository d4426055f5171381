"""The one way an export leaves the system.

Every export view is decorated with ``@export_view`` and ends in ``send(...)`` (pages) or uses
``gate(...)`` + ``Gate.finish(...)`` (API routes that return personal data as an export). The view
first collects its rows under the user's own jurisdiction and passes their count; the guard then

- exports at once when the count, added to the personal rows the user took out without approval
  within the rolling window (exports.volume: exports and API list pages), stays at or below
  ``JINGFANG_EXPORT_APPROVAL_ROWS``, the rows are not personal (aggregates), or the user is exempt
  (county supervisors; audited with ``exempt``);
- otherwise builds nothing and answers with the approval page (the API: 403 with ``approval_required``
  and the request id), where the user gives a reason; the supervisor decides (exports app);
- with ``approval=<id>`` (query string or form field), exports only if that approval is the user's
  own, approved, unexpired, unused, for this very path and these very parameters, and the user's role
  and region are unchanged; the rows are regenerated now, under the user's jurisdiction, and the
  approval is used up. Any mismatch is refused (403) and audited.

Every export (and every refusal) is audited with the row count; the file itself carries who/when
(core.xlsx). ``export_view`` fails closed: a decorated view that returns a file without going through
``send`` raises instead of sending it.
"""

from dataclasses import dataclass, field
from functools import wraps

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from jingfang.audit import log as audit
from jingfang.core import xlsx

from . import rules, services, volume

GUARDED_ATTR = "export_guarded"


def export_view(view):
    """Mark an export view and refuse to let it send a file that did not pass ``send``."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if _is_file(response) and not getattr(response, "_export_guarded", False):
            raise ImproperlyConfigured(f"{view.__module__}.{view.__name__} sent a file without exports.guard.send")
        return response

    setattr(wrapped, GUARDED_ATTR, True)
    return wrapped


def _is_file(response) -> bool:
    return isinstance(response, HttpResponse) and (
        "attachment" in response.get("Content-Disposition", "") or response.get("Content-Type") == xlsx.XLSX_TYPE)


def request_params(request) -> tuple[str, list]:
    method = "POST" if request.method == "POST" else "GET"
    data = request.POST if method == "POST" else request.GET
    return method, rules.normal_params((k, v) for k in data for v in data.getlist(k))


def _approval_id(request) -> str:
    return (request.POST.get("approval") if request.method == "POST" else "") or request.GET.get("approval", "")


@dataclass
class Gate:
    request: object
    count: int
    title: str
    personal: bool = True
    api: bool = False
    approval: object = None  # the ExportRequest being used
    exempt: bool = False
    response: HttpResponse | None = None  # set when nothing may be exported
    detail: dict = field(default_factory=dict)

    def finish(self, target: str, detail: dict | None = None) -> HttpResponse | None:
        """Use the approval up and audit the export. Returns a refusal when the approval was used
        meanwhile (then nothing may be sent). The approval is used up only with its audit row (one
        transaction)."""
        extra = {"count": self.count, **(detail or {})}
        with transaction.atomic():
            if self.approval is not None:
                if not services.consume(self.approval, self.count):
                    return _refusal(self, services.Refused(
                        "该审批已下载过一次或已过期，不能重复使用；如需再次导出请重新申请"), target)
                extra["approval"] = self.approval.pk
            if self.exempt:
                extra["exempt"] = self.request.user.role
            if not self.personal:
                extra["personal"] = False
            audit.record_request(self.request, "export", target=target[:200], detail=extra)
        return None


def gate(request, *, count: int, title: str, target: str, personal: bool = True, api: bool = False,
         record: bool = True) -> Gate:
    """Decide whether this export may happen now. ``gate.response`` is set when it may not.

    Without an approval, the rows count against the user's rolling window (exports.volume), recorded
    at once unless ``record`` is false (a page export the worker will build, and count, later)."""
    user = request.user
    g = Gate(request, int(count), title, personal=personal, api=api)
    method, params = request_params(request)
    approval_id = _approval_id(request)
    limit = services.threshold()
    if approval_id:
        try:
            g.approval = services.check_approval(user, approval_id, path=request.path, method=method, params=params,
                                                 count=g.count)
        except services.Refused as exc:
            g.response = _refusal(g, exc, target)
        return g
    if not personal or user.role in rules.EXEMPT_ROLES:
        g.exempt = personal and g.count > limit
        return g
    already = volume.take(user, g.count, channel=volume.EXPORT, target=target, record=record)
    if already is None:
        return g
    match = getattr(request, "resolver_match", None)
    draft = services.open_draft(user, view_name=(match.view_name if match else "") or request.path, title=title,
                                path=request.path, method=method, params=params, count=g.count)
    audit.record_request(request, "export", outcome="denied", target=target[:200],
                         detail={"count": g.count, "approval_required": draft.pk, "threshold": limit,
                                 "window_rows": already})
    hours = volume.window_hours()
    if api:
        earlier = f"（过去{hours}小时内已取得{already}行）" if already else ""
        g.response = JsonResponse({
            "errors": [{"field": "", "message": f"导出{g.count}行{earlier}，超过{limit}行，须经{draft.approver_label}审批后下载"}],
            "approval_required": True, "request_id": draft.pk, "status": draft.status, "row_count": g.count,
            "threshold": limit, "approver": draft.approver_label, "window_rows": already, "window_hours": hours,
        }, status=403, json_dumps_params={"ensure_ascii": False})
    else:
        g.response = render(request, "exports/approval_needed.html", {
            "req": draft, "count": g.count, "threshold": limit, "hours": services.valid_hours(),
            "already": already, "window_hours": hours,
            "reason_min": rules.REASON_MIN, "reason_max": rules.REASON_MAX})
    return g


def _refusal(g: Gate, exc: services.Refused, target: str) -> HttpResponse:
    audit.record_request(g.request, "export", outcome=exc.outcome, target=target[:200],
                         detail={"count": g.count, "approval": str(_approval_id(g.request))[:20]})
    if g.api:
        return JsonResponse({"errors": [{"field": "approval", "message": exc.message}]}, status=403,
                            json_dumps_params={"ensure_ascii": False})
    return render(g.request, "exports/refused.html", {"message": exc.message}, status=403)


def send(request, *, count: int, filename: str, build, target: str, detail: dict | None = None,
         title: str = "", personal: bool = True) -> HttpResponse:
    """The end of every export view: ``build()`` (bytes of the workbook) is called only when the export
    may happen; the export is audited with ``count`` and ``detail``."""
    from jingfang.jobs import exporting

    queued = exporting.should_queue(request, int(count))  # the worker's replay counts the rows
    g = gate(request, count=count, title=title or filename.rsplit(".", 1)[0], target=target, personal=personal,
             record=not queued)
    if g.response is not None:
        return g.response
    if queued:  # a large export: the worker replays this request
        return exporting.queue(request, count=g.count, filename=filename, title=g.title)
    exporting.note_count(request, g.count)
    content = build()
    refusal = g.finish(target, detail)
    if refusal is not None:
        return refusal
    response = xlsx.xlsx_response(filename, content)
    response._export_guarded = True
    return response
