"""API: patients' files (docs/api.md, "患者档案"). Reads through registry.selectors, writes through services.

Bodies come from registry.serializers, which leave out what the caller's role may not read; the
operations use ``exclude_unset`` so that those keys are absent, not null.
"""

import datetime as dt
from typing import Literal

from django.db import transaction
from ninja import Field, Query, Router, Schema, Status

from jingfang.audit import log as audit
from jingfang.core import api_support, clock, errors, idnumber, vocab
from jingfang.exports import volume

from . import selectors, serializers, services
from .forms import STATUS_FIELDS

router = Router(tags=["患者"])

api_support.describe_fields(
    {
        "risk_level": "应为0至5的整数",
        "disability_grade": "应为1至4的整数",
        "hospitalizations": "应为0至999的整数",
        "version": "应为正整数",
        **{k: "应为0至999的整数" for k in vocab.DANGEROUS_ACTS},
    }
)


def _one_of(mapping: dict, blank: bool = False):
    keys = tuple(mapping)
    return Literal[("", *keys)] if blank else Literal[keys]


Diagnosis = _one_of(vocab.DIAGNOSES)
PatientStatus = _one_of(vocab.STATUSES)
CLINICAL = "（仅卫生健康角色可见/可写）"
RISK = "（仅卫生健康角色、社区民警和乡镇综治中心可见）"

OptionalBool, OptionalInt = api_support.OptionalBool, api_support.OptionalInt


# Input -----------------------------------------------------------------------------------------
Closed = api_support.ClosedSchema  # unknown keys are refused (422 naming the key): no mass assignment


class GuardianIn(Closed):
    name: str = Field(..., max_length=50, description="监护人姓名")
    relation: _one_of(vocab.GUARDIAN_RELATIONS) = Field("other", description="与患者关系")
    phone: str = Field("", max_length=20, description="监护人电话")
    address: str = Field("", max_length=200, description="监护人住址")


class DangerousActsIn(Closed):
    minor_trouble: int | None = Field(None, ge=0, le=999, description="轻度滋事（次）")
    trouble: int | None = Field(None, ge=0, le=999, description="肇事（次）")
    disaster: int | None = Field(None, ge=0, le=999, description="肇祸（次）")
    other_harm: int | None = Field(None, ge=0, le=999, description="其他危害行为（次）")
    self_harm: int | None = Field(None, ge=0, le=999, description="自伤（次）")
    suicide_attempt: int | None = Field(None, ge=0, le=999, description="自杀未遂（次）")


class PatientFields(Closed):
    """Every writable field of the file, all optional (PATCH sends any subset)."""

    name: str | None = Field(None, max_length=50, description="姓名")
    id_number: str | None = Field(None, max_length=30, description="身份证号（18位，校验位必须正确）")
    phone: str | None = Field(None, max_length=20, description="本人电话")
    region_code: str | None = Field(None, max_length=12, description="现住址所在村（社区）的12位区划代码")
    household_region_code: str | None = Field(None, max_length=12, description="户籍地区划代码")
    address: str | None = Field(None, max_length=200, description="现住址")
    household_address: str | None = Field(None, max_length=200, description="户籍地址")
    household_type: _one_of(vocab.HOUSEHOLD_TYPES, blank=True) | None = None
    village_contact_name: str | None = Field(None, max_length=50)
    village_contact_phone: str | None = Field(None, max_length=20)
    employment: _one_of(vocab.EMPLOYMENT, blank=True) | None = None
    education: _one_of(vocab.EDUCATION, blank=True) | None = None
    marital_status: _one_of(vocab.MARITAL, blank=True) | None = None
    economic_status: _one_of(vocab.ECONOMIC, blank=True) | None = None
    informed_consent: _one_of(vocab.CONSENT) | None = None
    consent_date: dt.date | None = None
    diagnosis: Diagnosis | None = Field(None, description="目前诊断" + CLINICAL)
    diagnosis_hospital: str | None = Field(None, max_length=100, description="确诊医院" + CLINICAL)
    diagnosis_date: dt.date | None = Field(None, description="确诊日期" + CLINICAL)
    first_onset_date: dt.date | None = Field(None, description=CLINICAL)
    past_symptoms: list[_one_of(vocab.SYMPTOMS)] | None = Field(None, max_length=12, description=CLINICAL)
    outpatient_history: _one_of(vocab.OUTPATIENT, blank=True) | None = Field(None, description=CLINICAL)
    first_antipsychotic_date: dt.date | None = Field(None, description=CLINICAL)
    hospitalizations: int | None = Field(None, ge=0, le=999, description=CLINICAL)
    past_locking: _one_of(vocab.LOCKING) | None = Field(None, description=CLINICAL)
    latest_treatment_effect: _one_of(vocab.TREATMENT_EFFECT, blank=True) | None = Field(None, description=CLINICAL)
    psychiatrist_opinion: str | None = Field(None, max_length=2000, description=CLINICAL)
    clinical_notes: str | None = Field(None, max_length=2000, description=CLINICAL)
    past_dangerous_acts: DangerousActsIn | None = Field(None, description="既往危险行为次数（只改所给的键）")
    police_listed: bool | None = None
    disability_certificate: bool | None = None
    disability_grade: int | None = Field(None, ge=1, le=4)
    key_person_manual: bool | None = None
    key_person_reason: str | None = Field(None, max_length=200)
    risk_level: int | None = Field(None, ge=0, le=5, description="危险性等级0至5")
    status: PatientStatus | None = Field(None, description="在管状态")
    status_detail: str | None = Field(None, max_length=32, description="状态细分")
    status_since: dt.date | None = None
    death_date: dt.date | None = None
    death_cause: _one_of(vocab.DEATH_CAUSES, blank=True) | None = None
    guardian: GuardianIn | None = Field(None, description="主要监护人")


class PatientIn(PatientFields):
    name: str = Field(..., max_length=50, description="姓名")
    id_number: str = Field(..., max_length=30, description="身份证号（18位，校验位必须正确）")
    region_code: str = Field(..., max_length=12, description="现住址所在村（社区）的12位区划代码")
    household_region_code: str = Field(..., max_length=12, description="户籍地区划代码")
    address: str = Field(..., max_length=200, description="现住址")
    diagnosis: Diagnosis = Field(..., description="目前诊断")
    status: PatientStatus = Field("at_home", description="在管状态")


class PatientPatch(PatientFields):
    version: int = Field(..., ge=1, description="读取档案时的版本号；已被他人修改则返回409")


class StatusIn(Closed):
    status: PatientStatus
    detail: str = Field("", max_length=32, description="状态细分")
    since: dt.date | None = Field(None, description="起始日期，默认今天")
    note: str = Field("", max_length=200)
    death_date: dt.date | None = None
    death_cause: _one_of(vocab.DEATH_CAUSES, blank=True) | None = None
    version: int = Field(..., ge=1)


class PatientFilters(Schema):
    """Query parameters of the list; empty values (``?key_person=&page=``) mean not given."""

    q: str = Field("", max_length=50, description="姓名的一部分。不要在此放身份证号或电话：网址会留在日志与浏览记录中，请改用 POST /api/v1/patients/search（含7位以上连续数字时返回400）")
    region_code: str = Field("", max_length=12, description="只看该区划（含下级）")
    status: _one_of(vocab.STATUSES, blank=True) = Field("", description="在管状态")
    key_person: OptionalBool = Field(None, description="true 只看重点人员，false 只看非重点人员")
    diagnosis: Diagnosis | Literal[""] = Field("", description="诊断（仅对可见临床信息的角色生效）")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


class PatientSearch(Closed):
    """Body of POST /patients/search: the list's filters, with the query text kept out of the URL."""

    q: str = Field("", max_length=50, description="姓名的一部分，或完整的身份证号/电话")
    region_code: str = Field("", max_length=12, description="只看该区划（含下级）")
    status: _one_of(vocab.STATUSES, blank=True) = Field("", description="在管状态")
    key_person: bool | None = Field(None, description="true 只看重点人员，false 只看非重点人员")
    diagnosis: Diagnosis | Literal[""] = Field("", description="诊断（仅对可见临床信息的角色生效）")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


# Output ----------------------------------------------------------------------------------------
class GuardianOut(Schema):
    id: int
    name: str
    relation: str
    relation_label: str
    phone_masked: str
    address: str
    is_primary: bool


class PatientSummary(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date
    id_number_masked: str = Field(..., examples=["990***********1234"])
    phone_masked: str = Field(..., examples=["138****5678"])
    region_code: str
    status: str
    status_label: str | None
    risk_level: int | None = Field(None, description=RISK)
    condition: Literal["stable", "basically_stable", "unstable"] | None = Field(None, description=CLINICAL)
    condition_label: str | None = Field(None, description=CLINICAL)
    key_person: bool
    next_due_date: dt.date | None = Field(None, description="下次随访日期（随病情分类而定，仅卫生健康角色可见）")
    version: int


class PatientDetail(PatientSummary):
    sex_label: str
    region_name: str
    household_region_code: str
    household_region_name: str
    address: str
    household_address: str
    household_type: str | None
    household_type_label: str | None
    village_contact_name: str
    village_contact_phone_masked: str
    employment: str | None
    employment_label: str | None
    education: str | None
    education_label: str | None
    marital_status: str | None
    marital_status_label: str | None
    economic_status: str | None
    economic_status_label: str | None
    informed_consent: str | None
    informed_consent_label: str | None
    consent_date: dt.date | None
    diagnosis: str | None = Field(None, description=CLINICAL)
    diagnosis_label: str | None = Field(None, description=CLINICAL)
    diagnosis_hospital: str | None = Field(None, description=CLINICAL)
    diagnosis_date: dt.date | None = Field(None, description=CLINICAL)
    first_onset_date: dt.date | None = Field(None, description=CLINICAL)
    past_symptoms: list[str] | None = Field(None, description=CLINICAL)
    past_symptoms_label: list[str] | None = Field(None, description=CLINICAL)
    outpatient_history: str | None = Field(None, description=CLINICAL)
    outpatient_history_label: str | None = Field(None, description=CLINICAL)
    first_antipsychotic_date: dt.date | None = Field(None, description=CLINICAL)
    hospitalizations: int | None = Field(None, description=CLINICAL)
    past_locking: str | None = Field(None, description=CLINICAL)
    past_locking_label: str | None = Field(None, description=CLINICAL)
    latest_treatment_effect: str | None = Field(None, description=CLINICAL)
    latest_treatment_effect_label: str | None = Field(None, description=CLINICAL)
    psychiatrist_opinion: str | None = Field(None, description=CLINICAL)
    clinical_notes: str | None = Field(None, description=CLINICAL)
    past_dangerous_acts: dict[str, int]
    police_listed: bool
    disability_certificate: bool
    disability_grade: int | None
    key_person_manual: bool
    key_person_reason: str
    key_person_reasons: list[str]
    risk_level_label: str | None = Field(None, description=RISK)
    status_detail: str | None
    status_detail_label: str | None
    status_since: dt.date | None
    death_date: dt.date | None
    death_cause: str | None
    death_cause_label: str | None
    registered_on: dt.date
    guardians: list[GuardianOut]


class PatientPage(Schema):
    count: int
    items: list[PatientSummary]


class RevealedGuardian(Schema):
    id: int
    name: str
    phone: str


class RevealOut(Schema):
    id_number: str
    phone: str
    village_contact_phone: str
    guardians: list[RevealedGuardian]


class StatusChangeOut(Schema):
    id: int
    status: str
    status_label: str
    detail: str | None
    detail_label: str | None
    since: dt.date
    note: str
    recorded_by: str
    recorded_at: dt.datetime


Problem = api_support.Problem


# Helpers ---------------------------------------------------------------------------------------
def _service_data(values: dict) -> tuple[dict, dict | None]:
    """Schema values -> (the services' field names, guardian)."""
    guardian = values.pop("guardian", None)
    acts = values.pop("past_dangerous_acts", None) or {}
    values.update({f"acts_{k}": v for k, v in acts.items() if v is not None})
    return values, guardian


def _detail(request, patient) -> dict:
    return serializers.patient_detail(patient, request.user.role)


def _status_form_data(values: dict, version: int) -> dict:
    data = {**{k: v for k, v in values.items() if v is not None}, "version": version}
    data["since"] = data.get("since") or clock.today()
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}


# PATCH's status fields -> the status form's.
STATUS_KEYS = {"status": "status", "status_detail": "detail", "status_since": "since", "death_date": "death_date",
               "death_cause": "death_cause"}
OUTCOMES = {errors.Invalid: "invalid", errors.Conflict: "conflict", errors.Forbidden: "denied"}


# Routes ----------------------------------------------------------------------------------------
# Identifiers never travel in a URL (access logs, proxies, browser history): as on the pages
# (registry.views), a query string whose q holds an ID or phone number is refused, not searched.
Q_IN_URL = ("q：为保护隐私，身份证号、电话号码不能放在网址中查询（网址会留在服务器日志中）。"
            "请改用 POST /api/v1/patients/search，把条件放在请求体中")


@router.get("/patients", response=PatientPage, exclude_unset=True, summary="患者列表/搜索")
def list_patients(request, filters: Query[PatientFilters]):
    """只返回调用者辖区内的患者。每次调用写一条审计记录（只记筛选项名称与条数，不记查询内容）。

    q 在网址中，会留在服务器日志与浏览记录里：按身份证号或电话查找请用 POST /api/v1/patients/search；
    q 中含7位以上连续数字（身份证号、电话）时返回400，不做查询。"""
    if idnumber.holds_identifier(filters.q):
        audit.record_request(request, "search", outcome="invalid", target="patients", detail={"filters": ["q"]})
        raise errors.ServiceError([errors.FieldError("q", Q_IN_URL)])
    return _search(request, filters)


@router.post("/patients/search", response=PatientPage, exclude_unset=True, summary="患者搜索（按身份证号/电话查找用此接口）",
             openapi_extra=api_support.READ_BY_POST)
def search_patients(request, payload: PatientSearch):
    """与 GET /api/v1/patients 相同的筛选与分页，但条件放在请求体中，不出现在网址里。
    按完整身份证号或电话查找患者时必须用此接口。只返回调用者辖区内的患者；审计记录只记筛选项名称与条数。"""
    return _search(request, payload)


def _search(request, filters) -> dict:
    given = filters.model_dump(exclude={"page", "page_size"})
    given["q"], given["region_code"] = given["q"].strip(), given["region_code"].strip()
    count, patients = api_support.paginate(selectors.search(request.user, **given), filters.page, filters.page_size)
    used = sorted(k for k, v in given.items() if v not in ("", None))
    volume.check_api_page(request, len(patients), action="search" if used else "list", target="patients")
    audit.record_request(request, "search" if used else "list", detail={"count": count, "filters": used})
    role = request.user.role
    return {"count": count, "items": [serializers.patient_summary(p, role) for p in patients]}


@router.post(
    "/patients",
    response={201: PatientDetail, 403: Problem, 409: dict, 422: Problem},
    exclude_unset=True,
    summary="新建患者档案",
)
def create_patient(request, payload: PatientIn):
    """出生日期与性别由身份证号推算。身份证号已登记返回409（仅当档案在调用者辖区内时说明所在地）。"""
    data, guardian = _service_data(payload.model_dump(exclude_unset=True))
    data.setdefault("status", payload.status)
    patient = services.create_patient(request.user, data, guardian=guardian, request=request)
    return Status(201, _detail(request, patient))


@router.get("/patients/{id}", response=PatientDetail, exclude_unset=True, summary="患者档案")
def get_patient(request, id: int):
    """不存在与不在辖区内一律返回同样的404，并记入审计。不可见的临床字段不出现在返回中。
    辖区外患者在本人有效的紧急查阅期间（POST /api/v1/emergency/grants）可读取，逐次审计。"""
    return _detail(request, selectors.get_patient_for(request, id, emergency=True))


@router.patch(
    "/patients/{id}",
    response={200: PatientDetail, 403: Problem, 409: dict, 422: Problem},
    exclude_unset=True,
    summary="修改患者档案",
)
def update_patient(request, id: int, payload: PatientPatch):
    """只改所给字段；必须带读取时的 version，过期返回409及他人所做的修改。

    若含 status（及 status_detail、status_since、death_date、death_cause），先按“变更在管状态”
    记录状态变更（status_since 默认今天），再以新版本保存其余字段；两步在同一事务中，任一步失败则都不生效。
    只给状态细分等而不给 status 时返回422。
    """
    patient = selectors.get_patient_for(request, id, action="update", audit_success=False)
    user = request.user
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version")
    status_part = {k: values.pop(k) for k in STATUS_FIELDS if k in values}
    data, guardian = _service_data(values)
    if status_part and not status_part.get("status"):
        raise api_support.invalid("status", "修改状态细分、起始日期或死亡信息时须同时给出status")
    status_changes = status_part and _status_differs(patient, status_part)
    if not status_changes:
        return _detail(request, services.update_patient(user, patient, data, version, guardian=guardian,
                                                        request=request))
    status_data = _status_form_data({STATUS_KEYS[k]: v for k, v in status_part.items()}, version)
    if not data and guardian is None:
        return _detail(request, services.change_status(user, patient, status_data, request=request))
    try:
        if data.get("id_number"):  # a file elsewhere: refused outside the transaction (registry.disclosure)
            services.refuse_registered(user, data["id_number"], request=request, patient=patient)
        with transaction.atomic():
            patient = services.change_status(user, patient, status_data, request=request)
            patient = services.update_patient(user, patient, data, patient.version, guardian=guardian,
                                              request=request)
    except errors.ServiceError as exc:
        # The failed step's audit row was rolled back with the transaction: record the refusal again.
        audit.record(user, "update", request=request, outcome=OUTCOMES.get(type(exc), "invalid"),
                     patient_id=patient.pk, detail={"fields": sorted([*data, *status_part])})
        raise
    return _detail(request, patient)


def _status_differs(patient, part: dict) -> bool:
    return any((value or None) != (getattr(patient, key) or None) for key, value in part.items())


@router.post("/patients/{id}/reveal", response={200: RevealOut, 403: Problem}, summary="查看完整证件号与电话",
             openapi_extra=api_support.READ_BY_POST)
def reveal(request, id: int):
    """返回完整身份证号、本人及监护人电话；有意为之，逐次审计。无权角色返回403。"""
    patient = selectors.get_patient_for(request, id, action="reveal", audit_success=False, emergency=True)
    return services.reveal_identifiers(request.user, patient, request=request)


@router.post(
    "/patients/{id}/status",
    response={200: PatientDetail, 403: Problem, 409: dict, 422: Problem},
    exclude_unset=True,
    summary="变更在管状态",
)
def change_status(request, id: int, payload: StatusIn):
    """记录去向/在管状态的变化（历史全部保留）；死亡须给出死亡日期与原因。"""
    patient = selectors.get_patient_for(request, id, action="status", audit_success=False)
    values = payload.model_dump()
    version = values.pop("version")
    patient = services.change_status(request.user, patient, _status_form_data(values, version), request=request)
    return _detail(request, patient)


@router.get("/patients/{id}/status-history", response=list[StatusChangeOut], summary="在管状态历史")
def status_history(request, id: int):
    """按起始日期倒序。"""
    patient = selectors.get_patient_for(request, id)
    return [serializers.status_change_data(c) for c in patient.status_history.select_related("recorded_by")]

