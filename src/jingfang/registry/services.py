"""Every write to a patient's file goes through one of these functions (pages and API alike).

Each validates completely before writing, writes in one transaction, bumps the file's version
(optimistic locking: a stale version is refused with what changed since), and audits: the success
audit row is written in that same transaction (the change and its row are stored together or not at
all); refusals are audited outside the rolled-back work.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.forms.models import model_to_dict

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import clock, errors, idnumber, masking, vocab
from jingfang.core.formdata import to_form_data

from .forms import FILE_FIELDS, STATUS_FIELDS, GuardianForm, PatientForm, StatusForm
from .models import Guardian, Patient, Revision, StatusChange
from .signals import patient_changed
from .standing import refresh_flags

# Revisions are stored in clear JSON: identifiers (encrypted in their own columns) only masked.
MASKED_IN_REVISIONS = {
    "id_number": masking.mask_id_number, "phone": masking.mask_phone, "village_contact_phone": masking.mask_phone,
}


def _require(actor, action: str, request=None, patient_id=None):
    if not actor.can(action):
        audit.record(actor, action_audit_name(action), request=request, outcome="denied", patient_id=patient_id)
        raise errors.Forbidden("您的角色无权执行此操作")


def action_audit_name(action: str) -> str:
    return {
        roles.CREATE_PATIENT: "create",
        roles.EDIT_PATIENT: "update",
        roles.CHANGE_STATUS: "status",
        roles.REVEAL_IDENTIFIERS: "reveal",
        roles.EXPORT: "export",
    }.get(action, "view")


def _guardian_form(data: dict | None, prefix: str = "guardian."):
    if not data:
        return None, []
    form = GuardianForm(data={"relation": "other", "is_primary": True, **data})
    if form.is_valid():
        return form, []
    return form, errors.from_form(form, prefix=prefix)


UNVERIFIED_DUPLICATE = "身份证号：需县级核实后才能登记此身份证号，请联系县级督导（今日可核对的身份证号已达上限）"
UNVERIFIED_FOR_ROLE = "身份证号：需县级核实后才能登记此身份证号，请联系乡镇卫生院精防人员或县级督导"


def _duplicate_error(actor, number: str, request=None) -> errors.Conflict:
    """409 for a number that already has a file. Inside the jurisdiction: where and which. Outside: the
    one gate (registry.disclosure) decides whether the user is told (a doctor within quota: "档案不在您的
    辖区内", never where) or gets "需县级核实" (past the quota, or a role that is never told)."""
    from . import disclosure
    from .selectors import patients_for

    existing = Patient.objects.filter(id_number=number).select_related("region").first()
    visible = existing is not None and patients_for(actor).filter(pk=existing.pk).exists()
    if visible:
        message = f"身份证号码已登记，已在{existing.region.full_name()}建档（患者编号{existing.pk}）"
    else:
        registered = {number: existing.region_id} if existing is not None else {}
        answer = disclosure.check(actor, [number], purpose="create_patient", colliding=True, request=request,
                                  registered=registered)
        if number in answer.elsewhere:
            message = "身份证号码已登记，档案不在您的辖区内"
        else:
            message = UNVERIFIED_DUPLICATE if disclosure.may_learn(actor) else UNVERIFIED_FOR_ROLE
    return errors.Conflict([errors.FieldError("id_number", message)], existing_id=existing.pk if visible else None)


def refuse_registered(actor, number, *, request=None, patient=None) -> None:
    """409 (as create_patient would answer) if another file already has this ID number. For callers that
    create or edit inside a transaction of their own: asked first, outside it, so that what the gate
    spends and audits is not rolled back with the refusal."""
    number = idnumber.normalize(str(number or ""))
    if len(number) != 18:
        return
    others = Patient.objects.filter(id_number=number)
    if patient is not None:
        others = others.exclude(pk=patient.pk)
    if others.exists():
        audit.record(actor, "create" if patient is None else "update", request=request, outcome="conflict",
                     patient_id=getattr(patient, "pk", None), detail={"reason": "duplicate"})
        raise _duplicate_error(actor, number, request)


def create_patient(actor, data: dict, guardian: dict | None = None, *, request=None) -> Patient:
    """Register a patient. ``data`` holds form field names (region_code, household_region_code, …)."""
    _require(actor, roles.CREATE_PATIENT, request)
    _refuse_unwritable(actor, data, request)
    form = PatientForm(data=_form_data(data), actor=actor, creating=True)
    gform, gerrors = _guardian_form(guardian)
    if not form.is_valid() or gerrors:
        audit.record(actor, "create", request=request, outcome="invalid", detail={"fields": sorted(form.errors)})
        raise errors.Invalid(errors.from_form(form, field_map=FIELD_MAP) + gerrors)
    patient = form.apply()
    if patient.id_number and Patient.objects.filter(id_number=patient.id_number).exists():
        audit.record(actor, "create", request=request, outcome="conflict", detail={"reason": "duplicate"})
        raise _duplicate_error(actor, patient.id_number, request)
    patient.registered_on = clock.today()
    patient.status_since = patient.status_since or patient.registered_on
    patient.created_by = actor
    refresh_flags(patient, has_guardian=gform is not None)
    try:
        with transaction.atomic():
            patient.save()
            if gform is not None:
                g = gform.save(commit=False)
                g.patient = patient
                g.save()
            StatusChange.objects.create(
                patient=patient,
                status=patient.status,
                detail=patient.status_detail,
                since=patient.status_since,
                note="建档",
                recorded_by=actor,
            )
            patient_changed.send(sender=Patient, patient=patient)
            audit.record(actor, "create", request=request, patient_id=patient.pk, target=f"patient:{patient.pk}")
    except IntegrityError:
        raise _duplicate_error(actor, patient.id_number, request) from None
    return patient


# API names that differ from form names.
FIELD_MAP = {"region_code": "region_code", "household_region_code": "household_region_code"}


def _refuse_unwritable(actor, data: dict, request=None, patient_id=None) -> None:
    clinical = sorted(k for k in data if not roles.visible(actor.role, k))
    if clinical:
        audit.record(
            actor, "update", request=request, outcome="denied", patient_id=patient_id, detail={"fields": clinical}
        )
        raise errors.Forbidden([errors.FieldError(k, "您的角色无权填写或修改此字段") for k in clinical])


def _current_values(patient: Patient) -> dict:
    values = model_to_dict(patient, fields=FILE_FIELDS)
    values["region_code"] = patient.region_id
    values["household_region_code"] = patient.household_region_id
    for act in vocab.DANGEROUS_ACTS:
        values[f"acts_{act}"] = (patient.past_dangerous_acts or {}).get(act, 0)
    return values


def _diff(before: dict, after: dict) -> dict:
    changes = {}
    for key, old in before.items():
        new = after.get(key)
        if old != new and not (old in (None, "") and new in (None, "")):
            mask = MASKED_IN_REVISIONS.get(key)
            if mask:
                changes[key] = [mask(old), mask(new)]
            else:
                changes[key] = [_jsonable(old), _jsonable(new)]
    return changes


def _jsonable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def conflict_for(patient: Patient, since_version: int) -> errors.Conflict:
    revisions = list(
        Revision.objects.filter(patient=patient, version__gt=since_version).select_related("user")[:10]
    )
    changes = [
        {
            "version": r.version,
            "by": (r.user.get_full_name() or r.user.username) if r.user else "",
            "at": r.at.isoformat(),
            "fields": {k: {"label": field_label(k), "old": v[0], "new": v[1]} for k, v in r.changes.items()},
        }
        for r in revisions
    ]
    who = "、".join(sorted({c["by"] for c in changes if c["by"]})) or "其他用户"
    return errors.Conflict(
        [errors.FieldError("version", f"档案已被{who}修改（当前版本{patient.version}），请核对后重新保存")],
        current_version=patient.version,
        changes=changes,
    )


def field_label(name: str) -> str:
    if name.startswith("acts_"):
        return vocab.DANGEROUS_ACTS.get(name[5:], name) + "（次）"
    if name == "guardian":
        return "监护人"
    try:
        return str(Patient._meta.get_field(name).verbose_name)
    except Exception:
        return {"region_code": "现住址所在村（社区）", "household_region_code": "户籍地区划"}.get(name, name)


def update_patient(
    actor,
    patient: Patient,
    changes: dict,
    version: int | None,
    *,
    guardian: dict | None = None,
    guardian_formset=None,
    request=None,
) -> Patient:
    """Apply ``changes`` (partial) to the file if ``version`` is still current.

    The primary guardian may be changed with ``guardian`` (API) or all guardians with a bound
    ``guardian_formset`` (edit page); either way the whole edit is one version and one transaction.
    """
    _require(actor, roles.EDIT_PATIENT, request, patient.pk)
    _refuse_unwritable(actor, changes, request, patient.pk)
    if version is None:
        raise errors.Invalid([errors.FieldError("version", "缺少版本号（version），无法判断是否与他人修改冲突")])
    status_keys = sorted(set(changes) & set(STATUS_FIELDS))
    if status_keys:
        raise errors.Invalid(
            [errors.FieldError(k, "在管状态须通过“变更在管状态”记录，以保留变更历史") for k in status_keys]
        )
    if version != patient.version:
        audit.record(actor, "update", request=request, outcome="conflict", patient_id=patient.pk)
        raise conflict_for(patient, version)
    before = _current_values(patient)
    data = {**before, **changes}
    data["past_symptoms"] = data.get("past_symptoms") or []
    form = PatientForm(data=_form_data(data), actor=actor, creating=False, instance=patient)
    gform, gerrors = _guardian_form(guardian)
    if guardian_formset is not None and not guardian_formset.is_valid():
        for i, fe in enumerate(guardian_formset.forms):
            gerrors += errors.from_form(fe, prefix=f"guardians.{i}.") if fe.errors else []
        gerrors += [errors.FieldError("guardians", str(e)) for e in guardian_formset.non_form_errors()]
    if not form.is_valid() or gerrors:
        audit.record(
            actor, "update", request=request, outcome="invalid", patient_id=patient.pk,
            detail={"fields": sorted(form.errors)},
        )
        raise errors.Invalid(errors.from_form(form) + gerrors)
    updated = form.apply()
    if updated.id_number != before["id_number"] and Patient.objects.filter(id_number=updated.id_number).exclude(
        pk=patient.pk
    ).exists():
        raise _duplicate_error(actor, updated.id_number, request)
    diff = _diff(before, _current_values(updated))
    guardian_changed = (gform is not None and _apply_guardian(patient, gform, dry_run=True)) or (
        guardian_formset is not None and guardian_formset.has_changed()
    )
    if guardian_changed:
        diff["guardian"] = ["", "已修改"]
    if not diff:
        return patient
    with transaction.atomic():
        rows = Patient.objects.filter(pk=patient.pk, version=version).update(version=F("version") + 1)
        if rows == 1:
            updated.version = version + 1
            if gform is not None:
                _apply_guardian(patient, gform)
            if guardian_formset is not None:
                guardian_formset.save()
            refresh_flags(updated)
            updated.save()
            Revision.objects.create(patient=updated, version=updated.version, user=actor, changes=diff)
            patient_changed.send(sender=Patient, patient=updated)
            # in the same transaction: the edit and its audit row are stored together or not at all
            audit.record(
                actor, "update", request=request, patient_id=patient.pk, target=f"patient:{patient.pk}",
                detail={"fields": sorted(diff), "version": updated.version},
            )
    if rows != 1:  # another edit came first: refused, and the refusal audited (outside the rolled-back work)
        audit.record(actor, "update", request=request, outcome="conflict", patient_id=patient.pk)
        raise conflict_for(Patient.objects.get(pk=patient.pk), version)
    return updated


_form_data = to_form_data  # model values -> form data

def _apply_guardian(patient: Patient, gform, dry_run: bool = False) -> bool:
    """Update the primary guardian from a guardian form; returns whether anything changed."""
    current = patient.primary_guardian
    data = {k: gform.cleaned_data[k] for k in ("name", "relation", "phone", "address")}
    if current is not None and all(getattr(current, k) == v for k, v in data.items()):
        return False
    if dry_run:
        return True
    if current is None:
        Guardian.objects.create(patient=patient, is_primary=True, **data)
    else:
        for k, v in data.items():
            setattr(current, k, v)
        current.save()
    return True


def change_status(actor, patient: Patient, data: dict, *, request=None) -> Patient:
    """Record a change of whereabouts (在管状态) with its date; the history keeps every change."""
    _require(actor, roles.CHANGE_STATUS, request, patient.pk)
    form = StatusForm(data=data, patient=patient)
    if not form.is_valid():
        audit.record(actor, "status", request=request, outcome="invalid", patient_id=patient.pk)
        raise errors.Invalid(errors.from_form(form))
    version = form.cleaned_data["version"]
    cd = form.cleaned_data
    with transaction.atomic():
        rows = Patient.objects.filter(pk=patient.pk, version=version).update(version=F("version") + 1)
        if rows == 1:
            before = (patient.status, patient.status_detail)
            patient.version = version + 1
            patient.status, patient.status_detail, patient.status_since = cd["status"], cd["detail"], cd["since"]
            patient.death_date = cd.get("death_date") if cd["status"] == "deceased" else None
            patient.death_cause = cd.get("death_cause") or "" if cd["status"] == "deceased" else ""
            refresh_flags(patient)
            patient.save()
            StatusChange.objects.create(
                patient=patient, status=cd["status"], detail=cd["detail"], since=cd["since"],
                note=cd.get("note", ""), recorded_by=actor,
            )
            Revision.objects.create(
                patient=patient, version=patient.version, user=actor,
                changes={"status": [before[0], cd["status"]], "status_detail": [before[1], cd["detail"]]},
            )
            patient_changed.send(sender=Patient, patient=patient)
            audit.record(actor, "status", request=request, patient_id=patient.pk, detail={"status": cd["status"]})
    if rows != 1:  # another change came first: refused, and the refusal audited (outside the rolled-back work)
        audit.record(actor, "status", request=request, outcome="conflict", patient_id=patient.pk)
        raise conflict_for(Patient.objects.get(pk=patient.pk), version)
    return patient


def reveal_identifiers(actor, patient: Patient, *, request=None) -> dict:
    """Full ID number and phones, for roles allowed to see them, audited as a deliberate act."""
    _require(actor, roles.REVEAL_IDENTIFIERS, request, patient.pk)
    audit.record(actor, "reveal", request=request, patient_id=patient.pk, target=f"patient:{patient.pk}")
    return {
        "id_number": patient.id_number,
        "phone": patient.phone,
        "village_contact_phone": patient.village_contact_phone,
        "guardians": [{"id": g.pk, "name": g.name, "phone": g.phone} for g in patient.guardians.all()],
    }


def normalize_id(raw: str) -> str:
    return idnumber.normalize(raw)


# Transfers (intake app) ----------------------------------------------------------------------------
def set_transfer_pending(actor, patient: Patient, pending: bool, *, request=None) -> Patient:
    """Flag (or clear) a transfer awaiting the destination's acceptance. While set, the schedule engine
    keeps the patient on the origin's worklist for phone follow-up (齐云山镇2024, 三（五）3)."""
    _require(actor, roles.EDIT_PATIENT, request, patient.pk)
    pending = bool(pending)
    with transaction.atomic():
        before = Patient.objects.select_for_update().values_list("transfer_pending", flat=True).get(pk=patient.pk)
        Patient.objects.filter(pk=patient.pk).update(version=F("version") + 1, transfer_pending=pending)
        patient.refresh_from_db()
        Revision.objects.create(
            patient=patient, version=patient.version, user=actor, changes={"transfer_pending": [before, pending]}
        )
        patient_changed.send(sender=Patient, patient=patient)
        audit.record(
            actor, "update", request=request, patient_id=patient.pk, target=f"patient:{patient.pk}",
            detail={"fields": ["transfer_pending"], "version": patient.version},
        )
    return patient


def relocate_patient(
    actor, patient: Patient, village_region, *, reason: str, address: str = "", request=None
) -> Patient:
    """Move the patient's current residence to ``village_region``, a village in the actor's own region
    (a transfer accepted by the destination, 转入). One transaction: version bump, Revision, a
    StatusChange noted "转入…", transfer_pending cleared, patient_changed sent. The patient's history
    (follow-ups, plans, status changes) stays on the same row and so goes along."""
    from jingfang.regions import codes

    _require(actor, roles.EDIT_PATIENT, request, patient.pk)
    code = getattr(village_region, "code", "")
    if getattr(village_region, "level", None) != codes.VILLAGE or not codes.is_within(code, actor.region_id):
        audit.record(actor, "update", request=request, outcome="invalid", patient_id=patient.pk,
                     detail={"fields": ["region_code"]})
        raise errors.Invalid([errors.FieldError("village_code", "应选择您辖区内的村（社区）")])
    with transaction.atomic():
        current = Patient.objects.select_for_update().get(pk=patient.pk)
        before_region, before_pending = current.region_id, current.transfer_pending
        moved = {"region": village_region, "transfer_pending": False}
        if address.strip():
            moved["address"] = address.strip()[:200]
        Patient.objects.filter(pk=patient.pk).update(version=F("version") + 1, **moved)
        patient.refresh_from_db()
        changes = {"region_code": [before_region, code]}
        if "address" in moved and moved["address"] != current.address:
            changes["address"] = [current.address, moved["address"]]
        if before_pending:
            changes["transfer_pending"] = [True, False]
        Revision.objects.create(patient=patient, version=patient.version, user=actor, changes=changes)
        StatusChange.objects.create(
            patient=patient, status=patient.status, detail=patient.status_detail, since=clock.today(),
            note=f"转入：{reason}"[:200], recorded_by=actor,
        )
        patient_changed.send(sender=Patient, patient=patient)
        audit.record(
            actor, "update", request=request, patient_id=patient.pk, target=f"patient:{patient.pk}",
            detail={"fields": sorted(changes), "version": patient.version, "from": before_region, "to": code},
        )
    return patient


def count_dangerous_act(actor, patient: Patient, kind: str, *, request=None) -> Patient:
    """Add one act of ``kind`` (core.vocab.DANGEROUS_ACTS) to the patient's past dangerous acts:
    one new version of the file with its Revision, then patient_changed (the schedule engine refreshes
    the key-person flag). Called when an incident is recorded (care), inside that transaction; the
    caller has checked the right to record incidents, so no EDIT_PATIENT right is needed."""
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        acts = dict(locked.past_dangerous_acts or {})
        before = int(acts.get(kind) or 0)
        acts[kind] = before + 1
        Patient.objects.filter(pk=patient.pk).update(version=F("version") + 1, past_dangerous_acts=acts)
        patient.refresh_from_db()
        Revision.objects.create(patient=patient, version=patient.version, user=actor,
                                changes={f"acts_{kind}": [before, before + 1]})
        patient_changed.send(sender=Patient, patient=patient)
        patient.refresh_from_db()
        audit.record(actor, "update", request=request, patient_id=patient.pk, target=f"patient:{patient.pk}",
                     detail={"fields": [f"acts_{kind}"], "version": patient.version, "via": "incident"})
    return patient

