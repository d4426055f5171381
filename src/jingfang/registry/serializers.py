"""A patient as plain data for one role: the API's bodies, the pages' context and the xlsx export.

Field visibility (《中华人民共和国精神卫生法》第四条; 《中华人民共和国个人信息保护法》第六条): keys a role may not read (accounts.roles.visible) are left out
altogether, with their labels; identifiers are masked (full values only via services.reveal_identifiers).
Values are Python values (dates as datetime.date); no web framework here.
"""

from jingfang.accounts import roles
from jingfang.core import vocab
from jingfang.core.masking import mask_id_number, mask_phone
from jingfang.regions import policy as region_policy

from .flags import file_reasons, public_manual_reason, public_reasons

# Choice fields of the file and their vocabularies; each gets a "<field>_label" beside it.
CHOICES = {
    "sex": vocab.SEXES,
    "household_type": vocab.HOUSEHOLD_TYPES,
    "employment": vocab.EMPLOYMENT,
    "education": vocab.EDUCATION,
    "marital_status": vocab.MARITAL,
    "economic_status": vocab.ECONOMIC,
    "informed_consent": vocab.CONSENT,
    "diagnosis": vocab.DIAGNOSES,
    "outpatient_history": vocab.OUTPATIENT,
    "past_locking": vocab.LOCKING,
    "latest_treatment_effect": vocab.TREATMENT_EFFECT,
    "status": vocab.STATUSES,
    "death_cause": vocab.DEATH_CAUSES,
    "condition": vocab.CONDITIONS,
}
TEXT_FIELDS = [
    "household_address", "village_contact_name", "diagnosis_hospital", "psychiatrist_opinion",
    "clinical_notes", "key_person_reason",
]
DATE_FIELDS = [
    "consent_date", "diagnosis_date", "first_onset_date", "first_antipsychotic_date", "status_since",
    "death_date", "registered_on",
]


def _base(key: str) -> str:
    """The patient field a key derives from: 'diagnosis_label' -> 'diagnosis'."""
    return key.removesuffix("_label")


def visible_only(data: dict, role: str) -> dict:
    """Drop every key (and derived label) that ``role`` may not read."""
    return {k: v for k, v in data.items() if roles.visible(role, k) and roles.visible(role, _base(k))}


def _choice(patient, field: str):
    value = getattr(patient, field) or None
    return value, (CHOICES[field].get(value, value) if value else None)


def status_detail_label(status: str, detail: str) -> str | None:
    if not detail:
        return None
    return vocab.STATUS_DETAILS.get(status, {}).get(detail, detail)


def patient_summary(patient, role: str) -> dict:
    """The list row (PatientSummary of the OpenAPI document)."""
    status, status_label = _choice(patient, "status")
    condition, condition_label = _choice(patient, "condition")
    data = {
        "id": patient.pk,
        "name": patient.name,
        "sex": patient.sex,
        "birth_date": patient.birth_date,
        "id_number_masked": mask_id_number(patient.id_number),
        "phone_masked": mask_phone(patient.phone),
        "region_code": patient.region_id,
        "status": status,
        "status_label": status_label,
        "risk_level": patient.risk_level,
        "condition": condition,
        "condition_label": condition_label,
        "key_person": patient.key_person,
        "next_due_date": patient.next_due_date,
        "version": patient.version,
    }
    return visible_only(data, role)


def dangerous_acts(patient) -> dict:
    acts = patient.past_dangerous_acts or {}
    return {k: int(acts.get(k) or 0) for k in vocab.DANGEROUS_ACTS}


def guardian_data(guardian) -> dict:
    return {
        "id": guardian.pk,
        "name": guardian.name,
        "relation": guardian.relation,
        "relation_label": vocab.GUARDIAN_RELATIONS.get(guardian.relation, guardian.relation),
        "phone_masked": mask_phone(guardian.phone),
        "address": guardian.address,
        "is_primary": guardian.is_primary,
    }


def reasons_for(patient, role: str, guardians: list) -> list[str]:
    """Key-person reasons in words (as the schedule engine last stored them, else derived from the
    file), without the clinical ones and without hand-written free text for roles that may not see
    clinical data (flags.public_reasons), nor the risk level for roles that do not receive it."""
    reasons = list(patient.key_reasons or []) or file_reasons(
        patient, bool(guardians),
        key_risk_threshold=region_policy.profile_for(patient.region_id).key_person.risk_threshold)
    return reasons if roles.sees_clinical(role) else public_reasons(reasons, risk=roles.sees_risk(role))


def patient_detail(patient, role: str) -> dict:
    """The whole file as ``role`` may read it (docs/api.md, PatientDetail)."""
    guardians = list(patient.guardians.all())
    data = patient_summary(patient, role)
    data.update(
        {
            "sex_label": vocab.SEXES.get(patient.sex, patient.sex),
            "region_name": patient.region.full_name() or patient.region.name,
            "household_region_code": patient.household_region_id,
            "household_region_name": patient.household_region.full_name() or patient.household_region.name,
            "address": patient.address,
            "village_contact_phone_masked": mask_phone(patient.village_contact_phone),
            "past_symptoms": list(patient.past_symptoms or []),
            "past_symptoms_label": [vocab.SYMPTOMS.get(s, s) for s in patient.past_symptoms or []],
            "hospitalizations": patient.hospitalizations,
            "past_dangerous_acts": dangerous_acts(patient),
            "police_listed": patient.police_listed,
            "disability_certificate": patient.disability_certificate,
            "disability_grade": patient.disability_grade,
            "key_person_manual": patient.key_person_manual,
            "key_person_reasons": reasons_for(patient, role, guardians),
            "risk_level_label": vocab.RISK_LEVELS.get(patient.risk_level) if patient.risk_level is not None else None,
            "status_detail": patient.status_detail or None,
            "status_detail_label": status_detail_label(patient.status, patient.status_detail),
            "guardians": [guardian_data(g) for g in guardians],
        }
    )
    for field in CHOICES:
        if field not in ("sex", "status", "condition"):
            data[field], data[f"{field}_label"] = _choice(patient, field)
    for field in TEXT_FIELDS:
        data[field] = getattr(patient, field)
    if not roles.sees_clinical(role):  # free text of health staff: only the listed non-clinical reasons
        data["key_person_reason"] = public_manual_reason(patient.key_person_reason)
    for field in DATE_FIELDS:
        data[field] = getattr(patient, field)
    return visible_only(data, role)


def status_change_data(change) -> dict:
    who = change.recorded_by
    return {
        "id": change.pk,
        "status": change.status,
        "status_label": vocab.STATUSES.get(change.status, change.status),
        "detail": change.detail or None,
        "detail_label": status_detail_label(change.status, change.detail),
        "since": change.since,
        "note": change.note,
        "recorded_by": (who.get_full_name() or who.username) if who else "",
        "recorded_at": change.recorded_at,
    }


# Export ----------------------------------------------------------------------------------------
def _iso(value):
    return value.isoformat() if value else ""


def _primary_guardian(patient):
    return patient.primary_guardian


# (header, the patient field that decides visibility, value)
EXPORT_COLUMNS = [
    ("患者编号", "id", lambda p: p.pk),
    ("姓名", "name", lambda p: p.name),
    ("性别", "sex", lambda p: vocab.SEXES.get(p.sex, p.sex)),
    ("出生日期", "birth_date", lambda p: _iso(p.birth_date)),
    ("身份证号（脱敏）", "id_number", lambda p: mask_id_number(p.id_number)),
    ("本人电话（脱敏）", "phone", lambda p: mask_phone(p.phone)),
    ("现住址所在村（社区）", "region", lambda p: p.region.name),
    ("现住址", "address", lambda p: p.address),
    ("在管状态", "status", lambda p: vocab.STATUSES.get(p.status, p.status)),
    ("危险性等级", "risk_level", lambda p: "" if p.risk_level is None else f"{p.risk_level}级"),
    ("病情分类", "condition", lambda p: vocab.CONDITIONS.get(p.condition, "")),
    ("目前诊断", "diagnosis", lambda p: vocab.DIAGNOSES.get(p.diagnosis, p.diagnosis)),
    ("重点人员", "key_person", lambda p: "是" if p.key_person else "否"),
    ("公安列管", "police_listed", lambda p: "是" if p.police_listed else "否"),
    ("监护人", "guardians", lambda p: (g.name if (g := _primary_guardian(p)) else "")),
    ("监护人电话（脱敏）", "guardians", lambda p: (mask_phone(g.phone) if (g := _primary_guardian(p)) else "")),
    ("下次随访日期", "next_due_date", lambda p: _iso(p.next_due_date)),
    ("建档日期", "registered_on", lambda p: _iso(p.registered_on)),
]


def export_columns(role: str) -> list[tuple]:
    return [c for c in EXPORT_COLUMNS if roles.visible(role, c[1])]


def export_rows(patients, role: str) -> tuple[list[str], object]:
    """(Chinese headers, a generator of rows) for the xlsx export; identifiers masked, clinical
    columns only for roles that see them. Prefetch ``guardians`` and select ``region`` first."""
    columns = export_columns(role)
    headers = [c[0] for c in columns]
    rows = ([value(p) for _, _, value in columns] for p in patients)
    return headers, rows
