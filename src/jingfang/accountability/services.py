"""Writes of accountability measures: issue (下达) and close (销号). Each validates fully, writes with its
audit row in one transaction; closing checks the version read (a measure changed meanwhile is refused
with 409 and the current version)."""

import datetime as dt

from django.db import transaction
from django.db.models import F

from jingfang.audit import log as audit
from jingfang.core import clock, errors, ids
from jingfang.followups import engine
from jingfang.regions import codes
from jingfang.regions.models import Region

from . import permissions, rules, selectors, vocab
from .forms import CloseForm, MeasureForm
from .models import Measure


def _plain(data) -> dict:
    plain = data.dict() if hasattr(data, "dict") else dict(data or {})
    return {k: ("" if v is None else v) for k, v in plain.items()}


def _ids(values, field: str, label: str, problems: list) -> list[int]:
    values = list(values or [])[:50]
    out = [pk for pk in map(ids.parse, values) if pk is not None]
    if len(out) != len(values):
        problems.append(errors.FieldError(field, f"{label}：编号应为正整数"))
    return list(dict.fromkeys(out))


def _target(actor, code: str, unit: str, problems: list) -> Region | None:
    region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
    if region is None or not codes.is_within(code, actor.region_id):
        problems.append(errors.FieldError("target_region_code", "对象所在区划：请选择辖区内的村（社区）或乡镇（街道）"))
        return None
    if unit in vocab.UNITS and region.level != vocab.UNITS[unit][1]:
        where = "村（社区）" if vocab.UNITS[unit][1] == codes.VILLAGE else "乡镇（街道）"
        problems.append(errors.FieldError("target_region_code", f"对象所在区划：{vocab.UNIT_LABELS[unit]}应选择{where}"))
        return None
    return region


def issue(actor, *, data, request=None) -> Measure:
    """Issue a measure: kind, target_region_code, target_unit, target_name, reason, facts, incident_ids,
    inspection_ids, rectification, issued_on (default today), deadline (default: the profile's days)."""
    if not permissions.can_issue(actor):
        audit.record(actor, "create", request=request, outcome="denied", target="accountability")
        raise errors.Forbidden("只有乡镇综治中心和县级督导可以下达通报、约谈、挂牌督办和责任追究")
    raw = data if isinstance(data, dict) else _plain(data)
    form = MeasureForm(data={k: v for k, v in _plain(raw).items() if k in MeasureForm.base_fields})
    problems = [] if form.is_valid() else errors.from_form(form)
    cd = form.cleaned_data
    incident_ids = _ids(raw.get("incident_ids"), "incident_ids", "关联事件", problems)
    inspection_ids = _ids(raw.get("inspection_ids"), "inspection_ids", "关联督导检查", problems)
    region = None
    if "target_region_code" in cd:
        region = _target(actor, cd["target_region_code"].strip(), cd.get("target_unit", ""), problems)
    today = clock.today()
    issued_on = cd.get("issued_on") or today
    incidents, inspections = [], []
    if region is not None:
        township = codes.township_of(region.code)
        incidents = list(selectors.incidents_in(actor, township).filter(pk__in=incident_ids))
        if len(incidents) != len(incident_ids):
            problems.append(errors.FieldError("incident_ids", "关联事件：事件不存在或不在对象所在乡镇（街道）"))
        inspections = list(selectors.inspections_in(actor, township).filter(pk__in=inspection_ids))
        if len(inspections) != len(inspection_ids):
            problems.append(errors.FieldError("inspection_ids", "关联督导检查：报告不存在或不是对象所在乡镇（街道）的"))
    deadline = cd.get("deadline")
    if deadline is None and region is not None and cd.get("kind"):
        deadline = rules.default_deadline(cd["kind"], issued_on, engine.profile_for(region.code).accountability)
        if deadline is None:
            problems.append(errors.FieldError("deadline", "整改期限：策略配置未设默认期限，请填写"))
    if cd.get("kind"):
        linked = [rules.LinkedIncident(i.pk, i.reviewed_at is not None) for i in incidents]
        problems += [errors.FieldError(f, m) for f, m in rules.problems(
            cd["kind"], issued_on, deadline, today, incidents=linked, inspections=len(inspections))]
    if problems:
        audit.record(actor, "create", request=request, outcome="invalid", target="accountability",
                     detail={"fields": sorted({p.field for p in problems})})
        raise errors.Invalid(problems)
    name = cd.get("target_name", "").strip() or f"{region.name}{vocab.UNIT_SUFFIX[cd['target_unit']]}"
    with transaction.atomic():
        measure = Measure.objects.create(
            kind=cd["kind"], target_region=region, target_unit=cd["target_unit"], target_name=name[:100],
            reason=cd["reason"].strip(), facts=cd.get("facts", "").strip(), rectification=cd["rectification"].strip(),
            issued_on=issued_on, deadline=deadline, issuer_region_id=actor.region_id, issued_by=actor)
        measure.incidents.set(incidents)
        measure.inspections.set(inspections)
        audit.record(actor, "create", request=request, target=f"accountability:{measure.pk}",
                     detail={"kind": measure.kind, "incidents": len(incidents), "inspections": len(inspections)})
    return measure


def close(actor, *, measure: Measure, data, request=None) -> Measure:
    """Close (销号) a measure: closed_on (default today), closing_text, version (as read)."""
    target = f"accountability:{measure.pk}"
    if not permissions.can_issue(actor) or not codes.is_within(measure.target_region_id, actor.region_id):
        audit.record(actor, "update", request=request, outcome="denied", target=target)
        raise errors.Forbidden("只有下达单位（乡镇综治中心、县级督导）可以销号")
    form = CloseForm(data=_plain(data))
    problems = [] if form.is_valid() else errors.from_form(form)
    cd = form.cleaned_data
    version = cd.get("version")
    if "version" in cd and version is None:
        problems.append(errors.FieldError("version", "缺少版本号（version），无法判断是否与他人修改冲突"))
    if not problems:
        problems = [errors.FieldError(f, m) for f, m in rules.close_problems(
            measure.issued_on, cd.get("closed_on") or clock.today(), clock.today(), cd.get("closing_text", ""))]
    if problems:
        audit.record(actor, "update", request=request, outcome="invalid", target=target,
                     detail={"fields": sorted({p.field for p in problems})})
        raise errors.Invalid(problems)
    closed_on: dt.date = cd.get("closed_on") or clock.today()
    with transaction.atomic():
        rows = Measure.objects.filter(pk=measure.pk, version=version, closed_on__isnull=True).update(
            closed_on=closed_on, closing_text=cd["closing_text"].strip(), closed_by=actor, version=F("version") + 1)
        if rows != 1:
            current = Measure.objects.get(pk=measure.pk)
            word = "已被销号" if current.closed_on else "已被他人修改"
            raise errors.Conflict([errors.FieldError("version", f"该措施{word}（当前版本{current.version}），请刷新后核对")],
                                  current_version=current.version)
        audit.record(actor, "update", request=request, target=target,
                     detail={"fields": ["closed_on", "closing_text"], "version": version + 1})
    measure.refresh_from_db()
    return measure
