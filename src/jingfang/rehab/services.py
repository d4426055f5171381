"""Writes of community rehabilitation: one service per write, each with its audit row in the same
transaction. The caller fetched the objects scoped (selectors); the services check the role, the
programme's owner and the version (concurrent edits refused)."""

from django.db import IntegrityError, transaction

from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.core.errors import FieldError
from jingfang.regions import codes
from jingfang.regions.models import Region

from . import permissions, selectors, vocab
from .forms import AttendanceForm, EndForm, EnrolForm, FacilityForm, MemberForm, TeamForm
from .models import Attendance, Enrolment, Facility, Team, TeamMember


def _data(data, **defaults) -> dict:
    """Plain values (a QueryDict's last value per key), None as blank, ``defaults`` for keys not given."""
    plain = data.dict() if hasattr(data, "dict") else dict(data or {})
    return {**defaults, **{k: ("" if v is None else v) for k, v in plain.items()}}


def _deny(actor, request, action: str, target: str, message: str, patient_id=None):
    audit.record(actor, action, request=request, outcome="denied", target=target, patient_id=patient_id)
    raise errors.Forbidden(message)


def _invalid(actor, request, action: str, target: str, errs: list[FieldError], patient_id=None):
    audit.record(actor, action, request=request, outcome="invalid", target=target, patient_id=patient_id,
                 detail={"fields": sorted({e.field for e in errs})})
    raise errors.Invalid(errs)


def _stale(obj, data: dict) -> bool:
    given = str(data.get("version") or "").strip()
    return bool(given) and given != str(obj.version)


def _conflict(actor, request, target: str, message: str, field: str = "version", patient_id=None):
    """Refuse a concurrent change (audited outside the refused transaction)."""
    audit.record(actor, "update", request=request, outcome="conflict", target=target, patient_id=patient_id)
    raise errors.Conflict([FieldError(field, message)])


STALE = "该记录已被他人修改，请刷新后重试"


# ---- facilities and the team (not patient data) ------------------------------------------------------

def _township(actor, code: str, field: str = "region_code") -> Region:
    code = (code or "").strip()
    region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
    lo, hi = selectors.place_range(actor)
    if region is None or region.level != codes.TOWNSHIP or not lo <= code <= hi:
        raise errors.Invalid([FieldError(field, "所在乡镇（街道）：请选择辖区内的乡镇（街道）")])
    return region


def create_facility(actor, *, data: dict, request=None) -> Facility:
    if not permissions.has(actor, permissions.FACILITY_EDIT):
        _deny(actor, request, "create", "facility", f"社区康复机构由{permissions.roles_text(permissions.FACILITY_EDIT)}登记")
    data = _data(data, status=vocab.OPERATING)
    form = FacilityForm(data=data)
    try:
        region = _township(actor, data.get("region_code", ""))
    except errors.Invalid as exc:
        form.is_valid()
        _invalid(actor, request, "create", "facility", exc.errors + errors.from_form(form))
    if not form.is_valid():
        _invalid(actor, request, "create", "facility", errors.from_form(form))
    facility = form.save(commit=False)
    facility.region, facility.created_by = region, actor
    try:
        with transaction.atomic():  # the facility and its audit row together or not at all
            facility.save()
            audit.record(actor, "create", request=request, target=f"facility:{facility.pk}",
                         detail={"kind": facility.kind, "operator": facility.operator})
    except IntegrityError:
        raise errors.Conflict([FieldError("name", "机构名称：该乡镇（街道）已登记同名机构")]) from None
    return facility


def update_facility(actor, *, facility: Facility, data: dict, request=None) -> Facility:
    """Apply ``data`` (partial: fields not given keep their value; ``version`` as read refuses a
    concurrent change) to the facility, e.g. its status when it is suspended or closed."""
    target = f"facility:{facility.pk}"
    if not permissions.has(actor, permissions.FACILITY_EDIT):
        _deny(actor, request, "update", target, f"社区康复机构由{permissions.roles_text(permissions.FACILITY_EDIT)}维护")
    data = _data(data)
    fields = {k: v for k, v in data.items() if k != "version"}
    current = {f: getattr(facility, f) for f in FacilityForm.Meta.fields}
    form = FacilityForm(data={**_data(current), **fields}, instance=Facility.objects.get(pk=facility.pk))
    if not form.is_valid():
        _invalid(actor, request, "update", target, errors.from_form(form))
    changed = sorted(f for f in form.changed_data if f in FacilityForm.Meta.fields)
    stale = duplicate = False
    with transaction.atomic():  # the change and its audit row together or not at all
        locked = Facility.objects.select_for_update().get(pk=facility.pk)
        stale = _stale(locked, data)
        if not stale and changed:
            for name in changed:
                setattr(locked, name, form.cleaned_data[name])
            locked.version += 1
            try:
                with transaction.atomic():
                    locked.save()
            except IntegrityError:
                duplicate = True
            else:
                audit.record(actor, "update", request=request, target=target, detail={"fields": changed})
    if stale:
        _conflict(actor, request, target, STALE)
    if duplicate:
        _conflict(actor, request, target, "机构名称：该乡镇（街道）已登记同名机构", "name")
    return locked


def create_team(actor, *, data: dict, request=None) -> Team:
    if not permissions.has(actor, permissions.TEAM_EDIT):
        _deny(actor, request, "create", "rehab_team", "多功能服务团队由县级督导维护")
    data = _data(data)
    form = TeamForm(data=data)
    if not form.is_valid():
        _invalid(actor, request, "create", "rehab_team", errors.from_form(form))
    code = form.cleaned_data["region_code"].strip()
    region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
    if region is None or region.level > codes.TOWNSHIP or not codes.is_within(code, actor.region_id):
        _invalid(actor, request, "create", "rehab_team",
                 [FieldError("region_code", "服务区划：请选择辖区内的县（区）或乡镇（街道）")])
    team = form.save(commit=False)
    team.region, team.created_by = region, actor
    with transaction.atomic():
        team.save()
        audit.record(actor, "create", request=request, target=f"rehab_team:{team.pk}")
    return team


def add_member(actor, *, team: Team, data: dict, request=None) -> TeamMember:
    target = f"rehab_team:{team.pk}"
    if not permissions.has(actor, permissions.TEAM_EDIT):
        _deny(actor, request, "create", target, "多功能服务团队由县级督导维护")
    form = MemberForm(data=_data(data))
    if not form.is_valid():
        _invalid(actor, request, "create", target, errors.from_form(form))
    member = form.save(commit=False)
    member.team, member.created_by = team, actor
    with transaction.atomic():
        member.save()
        audit.record(actor, "create", request=request, target=target, detail={"member": member.pk, "role": member.role})
    return member


# ---- enrolment and attendance (patient data) ---------------------------------------------------------

def enrol(actor, *, patient, data: dict, request=None) -> Enrolment:
    """Enrol a patient (fetched through the jurisdiction gate) in a facility the actor works with, or in
    the DPF's home rehabilitation training. One open enrolment per programme and facility."""
    target = f"patient:{patient.pk}"
    if not permissions.has(actor, permissions.ENROL_EDIT):
        _deny(actor, request, "create", target, "您的角色无权登记康复", patient.pk)
    data = _data(data)
    form = EnrolForm(data=data)
    if not form.is_valid():
        _invalid(actor, request, "create", target, errors.from_form(form), patient.pk)
    programme, facility = form.cleaned_data["programme"], None
    fid = str(data.get("facility_id") or "").strip()
    if programme == "facility" and fid.isdigit() and len(fid) < 10:
        facility = selectors.facilities_for(actor).filter(pk=int(fid)).first()
    if not permissions.may_record(actor, permissions.programme_owner(programme, facility)):
        _deny(actor, request, "create", target, "您的角色无权登记该康复项目", patient.pk)
    start = form.cleaned_data["start"]
    errs = []
    if programme == "facility":
        if facility is None:
            errs.append(FieldError("facility_id", "康复机构：请选择辖区内的社区康复机构"))
        elif facility.opened_on > start or facility.status != vocab.OPERATING:
            errs.append(FieldError("facility_id", f"康复机构：{facility.name}在开始日期未在运营"))
    if start < patient.registered_on:
        errs.append(FieldError("start", f"开始日期：不能早于建档日期{patient.registered_on:%Y-%m-%d}"))
    if errs:
        _invalid(actor, request, "create", f"patient:{patient.pk}", errs, patient.pk)
    enrolment = None
    with transaction.atomic():  # one open enrolment per programme, checked under the patient's lock
        type(patient).objects.select_for_update().filter(pk=patient.pk).first()
        open_ = Enrolment.objects.filter(patient=patient, programme=programme, facility=facility, end__isnull=True)
        if open_.exists():
            enrolment = None
        else:
            enrolment = _create_enrolment(actor, request, patient, programme, facility, start,
                                          form.cleaned_data.get("note", ""))
    if enrolment is None:
        audit.record(actor, "create", request=request, outcome="conflict", patient_id=patient.pk,
                     target=f"patient:{patient.pk}")
        raise errors.Conflict([FieldError("programme", "该患者已在此康复项目登记且尚未结束")])
    return enrolment


def _create_enrolment(actor, request, patient, programme, facility, start, note) -> Enrolment:
    enrolment = Enrolment.objects.create(patient=patient, programme=programme, facility=facility, start=start,
                                         note=note, recorded_by=actor)
    audit.record(actor, "create", request=request, patient_id=patient.pk, target=f"enrolment:{enrolment.pk}",
                 detail={"programme": programme, "facility": facility.pk if facility else None})
    return enrolment


def _require_recorder(actor, request, enrolment: Enrolment, action: str) -> None:
    if not permissions.may_record(actor, enrolment.owner):
        _deny(actor, request, action, f"enrolment:{enrolment.pk}", "您的角色无权记录该康复项目", enrolment.patient_id)


def record_attendance(actor, *, enrolment: Enrolment, data: dict, request=None) -> Attendance:
    """The days attended in one month (a second record of the same month replaces the first)."""
    target = f"enrolment:{enrolment.pk}"
    _require_recorder(actor, request, enrolment, "update")
    form = AttendanceForm(data=_data(data))
    if not form.is_valid():
        _invalid(actor, request, "update", target, errors.from_form(form), enrolment.patient_id)
    month = form.cleaned_data["month"]
    today = clock.today()
    if month < enrolment.start.replace(day=1) or month > today.replace(day=1) or (
            enrolment.end and month > enrolment.end.replace(day=1)):
        _invalid(actor, request, "update", target,
                 [FieldError("month", "月份：应在康复登记的开始与结束之间，且不晚于本月")], enrolment.patient_id)
    with transaction.atomic():
        row, created = Attendance.objects.update_or_create(
            enrolment=enrolment, month=month,
            defaults={"days": form.cleaned_data["days"], "note": form.cleaned_data.get("note", ""),
                      "recorded_by": actor})
        audit.record(actor, "create" if created else "update", request=request, patient_id=enrolment.patient_id,
                     target=target, detail={"month": f"{month:%Y-%m}", "days": row.days})
    return row


def end_enrolment(actor, *, enrolment: Enrolment, data: dict, request=None) -> Enrolment:
    target = f"enrolment:{enrolment.pk}"
    _require_recorder(actor, request, enrolment, "update")
    data = _data(data)
    form = EndForm(data=data)
    if not form.is_valid():
        _invalid(actor, request, "update", target, errors.from_form(form), enrolment.patient_id)
    end = form.cleaned_data["end"]
    if end < enrolment.start:
        _invalid(actor, request, "update", target, [FieldError("end", "结束日期：不能早于开始日期")],
                 enrolment.patient_id)
    problem = None
    with transaction.atomic():  # the end and its audit row together or not at all
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if _stale(locked, data):
            problem = ("version", STALE)
        elif locked.end is not None:
            problem = ("end", "该康复登记已结束")
        else:
            locked.end, locked.end_reason = end, form.cleaned_data["end_reason"]
            if form.cleaned_data.get("note"):
                locked.note = form.cleaned_data["note"]
            locked.version += 1
            locked.save()
            audit.record(actor, "update", request=request, patient_id=enrolment.patient_id, target=target,
                         detail={"end_reason": locked.end_reason})
    if problem:
        _conflict(actor, request, target, problem[1], problem[0], enrolment.patient_id)
    locked.facility = enrolment.facility
    locked.patient = enrolment.patient
    return locked
