"""Writes of the workforce register: one service per write, each with its audit row in the same
transaction. Only the county supervisor writes, within their region (permissions)."""

from django.db import IntegrityError, transaction

from jingfang.audit import log as audit
from jingfang.core import clock, errors
from jingfang.regions import codes
from jingfang.regions.models import Region

from . import permissions, vocab
from .forms import InstitutionForm, StaffForm, TrainingForm
from .models import Institution, StaffMember, Training


def _require_writer(actor, request, target: str, action: str = "create") -> None:
    if not permissions.can_write(actor):
        audit.record(actor, action, request=request, outcome="denied", target=target)
        raise errors.Forbidden("只有县级督导可以维护精神卫生人员名册")


def _data(data, **defaults) -> dict:
    """Plain values (a QueryDict's last value per key), None as blank, ``defaults`` for keys not given."""
    plain = data.dict() if hasattr(data, "dict") else dict(data or {})
    return {**defaults, **{k: ("" if v is None else v) for k, v in plain.items()}}


def create_institution(actor, *, data: dict, request=None) -> Institution:
    _require_writer(actor, request, "institution")
    form = InstitutionForm(data=_data(data))
    if not form.is_valid():
        raise errors.Invalid(errors.from_form(form))
    code = form.cleaned_data["region_code"].strip()
    region = Region.objects.filter(code=code).first() if codes.is_valid_code(code) else None
    if region is None or not codes.is_within(code, actor.region_id):
        raise errors.Invalid([errors.FieldError("region_code", "所在区划：请选择辖区内的县（区）或乡镇（街道）")])
    kind = form.cleaned_data["kind"]
    if kind == vocab.TOWNSHIP_HC and region.level != codes.TOWNSHIP:
        raise errors.Invalid([errors.FieldError("region_code", "所在区划：镇街卫生院应登记在乡镇（街道）")])
    if kind != vocab.TOWNSHIP_HC and region.level > codes.TOWNSHIP:
        raise errors.Invalid([errors.FieldError("region_code", "所在区划：请选择县（区）或乡镇（街道）")])
    institution = form.save(commit=False)
    institution.region, institution.created_by = region, actor
    try:
        with transaction.atomic():
            institution.save()
            audit.record(actor, "create", request=request, target=f"institution:{institution.pk}")
    except IntegrityError:
        raise errors.Conflict([errors.FieldError("name", "机构名称：该区划已登记同名机构")]) from None
    return institution


def create_staff(actor, *, institution: Institution, data: dict, request=None) -> StaffMember:
    _require_writer(actor, request, f"institution:{institution.pk}")
    form = StaffForm(data=_data(data, employment="full_time"))
    if not form.is_valid():
        raise errors.Invalid(errors.from_form(form))
    staff = form.save(commit=False)
    staff.institution, staff.created_by = institution, actor
    with transaction.atomic():  # the staff member and the audit row together or not at all
        staff.save()
        audit.record(actor, "create", request=request, target=f"staff:{staff.pk}")
    return staff


def update_staff(actor, *, staff: StaffMember, data: dict, request=None) -> StaffMember:
    """Apply ``data`` (partial: fields not given keep their value) to the staff member."""
    _require_writer(actor, request, f"staff:{staff.pk}", "update")
    current = {f: getattr(staff, f) for f in StaffForm.Meta.fields}
    form = StaffForm(data={**_data(current), **_data(data)}, instance=staff)
    if not form.is_valid():
        raise errors.Invalid(errors.from_form(form))
    changed = sorted(f for f in form.changed_data if f in StaffForm.Meta.fields)
    if not changed:
        return staff
    with transaction.atomic():  # the change and its audit row together or not at all
        staff = form.save()
        audit.record(actor, "update", request=request, target=f"staff:{staff.pk}", detail={"fields": changed})
    return staff


def add_training(actor, *, staff: StaffMember, data: dict, request=None) -> Training:
    _require_writer(actor, request, f"staff:{staff.pk}")
    form = TrainingForm(data=_data(data))
    if not form.is_valid():
        raise errors.Invalid(errors.from_form(form))
    if form.cleaned_data["date"] > clock.today():
        raise errors.Invalid([errors.FieldError("date", "培训日期：不能晚于今天")])
    training = form.save(commit=False)
    training.staff, training.created_by = staff, actor
    with transaction.atomic():  # the record and its audit row together or not at all
        training.save()
        audit.record(actor, "create", request=request, target=f"training:{training.pk}")
    return training
