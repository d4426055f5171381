"""Writes of export approval, one function per action: open a draft (the guard, when an export is too
large), submit it with a reason (requester), decide it (supervisor), use the approval (the guard, at
download time). Every action is audited; a refusal names the field in Chinese."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jingfang.audit import log as audit
from jingfang.core import errors

from . import rules
from .models import ExportRequest


def threshold() -> int:
    return int(getattr(settings, "JINGFANG_EXPORT_APPROVAL_ROWS", rules.DEFAULT_THRESHOLD))


def valid_hours() -> int:
    return int(getattr(settings, "JINGFANG_EXPORT_APPROVAL_HOURS", rules.DEFAULT_VALID_HOURS))


class Refused(Exception):
    """An approval that cannot be used for this download, with the Chinese reason."""

    def __init__(self, message: str, outcome: str = "denied"):
        super().__init__(message)
        self.message = message
        self.outcome = outcome


def expire_stale(now=None) -> None:
    """Lazily expire what time has overtaken: approvals past their window, undecided requests after
    rules.PENDING_DAYS, and forget drafts never submitted."""
    now = now or timezone.now()
    ExportRequest.objects.filter(status=rules.APPROVED, expires_at__lte=now).update(status=rules.EXPIRED)
    ExportRequest.objects.filter(status=rules.PENDING,
                                 submitted_at__lte=now - dt.timedelta(days=rules.PENDING_DAYS)).update(
        status=rules.EXPIRED)
    ExportRequest.objects.filter(status=rules.DRAFT, created_at__lte=now - dt.timedelta(hours=rules.DRAFT_HOURS)).delete()


def open_draft(user, *, view_name: str, title: str, path: str, method: str, params: list, count: int) -> ExportRequest:
    """The request behind an approval page: the user's open one for exactly this export (draft,
    pending or approved) if there is one, else a new draft. Nothing is exported."""
    expire_stale()
    same = ExportRequest.objects.filter(requester=user, path=path[:300], method=method,
                                        requester_role=user.role, requester_region_id=user.region_id,
                                        status__in=[rules.DRAFT, rules.PENDING, rules.APPROVED])
    for existing in same.order_by("-created_at"):  # parameters compared here, not as a JSON lookup
        if existing.params != params:
            continue
        if existing.status == rules.DRAFT and existing.row_count != count:
            existing.row_count = count
            existing.save(update_fields=["row_count"])
        if existing.status != rules.APPROVED or rules.still_covered(existing.row_count, count):
            return existing
    approver = rules.approver_for(user.role, user.region_id)
    if approver is None:  # exempt roles never reach here (guard); refuse rather than invent an approver
        raise errors.Forbidden("您的角色无需审批")
    role, region = approver
    return ExportRequest.objects.create(
        requester=user, requester_role=user.role, requester_region_id=user.region_id, approver_role=role,
        approver_region_id=region, view_name=view_name[:100], title=title[:200], path=path[:300], method=method,
        params=params, row_count=count)


def submit(user, req: ExportRequest, reason: str, *, request=None) -> ExportRequest:
    """The requester asks for approval, saying why."""
    target = f"export_request:{req.pk}"
    if req.requester_id != user.pk:
        audit.record(user, "create", request=request, outcome="not_found", target=target)
        raise errors.Forbidden("导出申请不存在")
    if req.status != rules.DRAFT:
        raise errors.Conflict(f"该申请已{req.status_label}，无需再次提交")
    reason = (reason or "").strip()
    problem = None
    if len(reason) < rules.REASON_MIN:
        problem = f"请填写申请理由（至少{rules.REASON_MIN}个字），说明导出用途"
    elif len(reason) > rules.REASON_MAX:
        problem = f"申请理由不超过{rules.REASON_MAX}个字"
    elif audit.ID_NUMBER_RE.search(reason):
        problem = "申请理由中不要填写身份证号"
    if problem:
        audit.record(user, "create", request=request, outcome="invalid", target=target)
        raise errors.Invalid([errors.FieldError("reason", problem)])
    req.reason, req.status, req.submitted_at = reason, rules.PENDING, timezone.now()
    with transaction.atomic():  # the request and its audit row together or not at all
        req.save(update_fields=["reason", "status", "submitted_at"])
        audit.record(user, "create", request=request, target=target,
                     detail={"export": req.view_name, "count": req.row_count, "approver": req.approver_role})
    return req


def may_decide(user, req: ExportRequest) -> bool:
    return bool(user and user.is_active) and rules.may_decide(
        user.role, user.region_id, requester_id=req.requester_id, approver_id=user.pk,
        wanted_role=req.approver_role, wanted_region=req.approver_region_id, requester_region=req.requester_region_id)


def decide(user, req: ExportRequest, decision: str, note: str = "", *, request=None) -> ExportRequest:
    """Approve (the requester may then download once within the validity window) or reject."""
    target = f"export_request:{req.pk}"
    if not may_decide(user, req):
        audit.record(user, "update", request=request, outcome="denied", target=target)
        raise errors.Forbidden("您无权审批此导出申请")
    note = (note or "").strip()
    problems = []
    if decision not in ("approve", "reject"):
        problems.append(errors.FieldError("decision", "请选择“批准”或“不批准”"))
    if decision == "reject" and not note:
        problems.append(errors.FieldError("note", "不批准时请填写审批意见，告知申请人原因"))
    if len(note) > rules.NOTE_MAX:
        problems.append(errors.FieldError("note", f"审批意见不超过{rules.NOTE_MAX}个字"))
    elif audit.ID_NUMBER_RE.search(note):
        problems.append(errors.FieldError("note", "审批意见中不要填写身份证号"))
    if problems:
        audit.record(user, "update", request=request, outcome="invalid", target=target)
        raise errors.Invalid(problems)
    now = timezone.now()
    with transaction.atomic():
        fields = {"status": rules.APPROVED if decision == "approve" else rules.REJECTED, "decided_by": user,
                  "decided_at": now, "note": note}
        if decision == "approve":
            fields["expires_at"] = now + dt.timedelta(hours=valid_hours())
        if ExportRequest.objects.filter(pk=req.pk, status=rules.PENDING).update(**fields) != 1:
            req.refresh_from_db()
            raise errors.Conflict(f"该申请已{req.status_label}，不能再审批")
        req.refresh_from_db()
        audit.record(user, "update", request=request, target=target,
                     detail={"decision": decision, "requester": req.requester_id, "count": req.row_count})
    return req


def check_approval(user, approval_id, *, path: str, method: str, params: list, count: int) -> ExportRequest:
    """The approval that lets ``user`` download this export now, or Refused saying why not."""
    expire_stale()
    try:
        req = ExportRequest.objects.get(pk=int(str(approval_id)))
    except (ValueError, ExportRequest.DoesNotExist):
        raise Refused("审批单不存在或不属于您", "not_found") from None
    if req.requester_id != user.pk:
        raise Refused("审批单不存在或不属于您", "not_found")
    if req.requester_role != user.role or req.requester_region_id != user.region_id:
        raise Refused("您的岗位或辖区已变更，原审批失效，请重新申请")
    if req.path != path[:300] or req.method != method or req.params != params:
        raise Refused("导出条件与审批时不一致：审批只对审批时的导出条件有效，请使用“我的导出申请”中的下载按钮")
    if req.status == rules.PENDING or req.status == rules.DRAFT:
        raise Refused("该导出申请尚未获批准")
    if req.status == rules.REJECTED:
        raise Refused(f"该导出申请未获批准。审批意见：{req.note}")
    if req.status == rules.DOWNLOADED:
        raise Refused("该审批已下载过一次，不能重复使用；如需再次导出请重新申请")
    if req.status == rules.EXPIRED:
        raise Refused(f"审批已过期（批准后{valid_hours()}小时内有效），请重新申请")
    if not rules.still_covered(req.row_count, count):
        raise Refused(f"数据已由审批时的{req.row_count}行增至{count}行，超出审批范围，请重新申请")
    return req


def consume(req: ExportRequest, count: int) -> bool:
    """Mark the approval used; False when it was used (or expired) meanwhile, e.g. by a second tab."""
    now = timezone.now()
    return ExportRequest.objects.filter(pk=req.pk, status=rules.APPROVED, expires_at__gt=now).update(
        status=rules.DOWNLOADED, downloaded_at=now, downloaded_rows=count) == 1
