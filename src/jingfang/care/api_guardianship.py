"""API: guardianship agreements (监护管理协议 / 有奖监护协议): list, draw up, revoke, replace the guardian."""

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema, Status

from jingfang.core import api_support, clock
from jingfang.registry import selectors as patient_selectors

from . import selectors, services, vocab

router = Router(tags=["监护协议"])

Closed = api_support.ClosedSchema
Problem = api_support.Problem
AgreementType = Literal[tuple(vocab.AGREEMENT_TYPES)]


class AgreementIn(Closed):
    guardian_id: int = Field(..., description="患者档案中已登记的监护人编号")
    type: AgreementType = Field(..., description="management 监护管理协议；reward 有奖监护协议")
    start: dt.date
    end: dt.date | None = Field(None, description="不填为长期")
    duties: str | None = Field(None, max_length=5000, description="监护责任；不填采用齐云山镇2024三（七）所列义务")
    signed: bool = False
    signed_on: dt.date | None = None


class ReplacementIn(Closed):
    guardian_id: int = Field(..., description="另一名已登记的监护人")
    type: AgreementType | None = Field(None, description="默认与原协议相同")
    start: dt.date | None = Field(None, description="默认撤销日期")
    end: dt.date | None = None
    duties: str | None = Field(None, max_length=5000, description="默认沿用原协议")
    signed: bool = False
    signed_on: dt.date | None = None


class RevokeIn(Closed):
    reason: str = Field(..., max_length=300, description="撤销原因，如监护人不履行监护责任")
    date: dt.date | None = Field(None, description="撤销生效日期，默认今天")


class ReplaceIn(RevokeIn):
    new: ReplacementIn


class AgreementOut(Schema):
    id: int
    patient_id: int
    guardian_id: int | None
    guardian_name: str
    type: str
    type_label: str
    start: dt.date
    end: dt.date | None
    duties: str
    signed: bool
    signed_on: dt.date | None
    state: str = Field(..., description="存储状态：active / revoked")
    state_today: str = Field(..., description="今天的状态：active / revoked / expired / pending")
    state_today_label: str
    revoked_at: dt.date | None
    revoke_reason: str
    replaced_by_id: int | None
    created_at: dt.datetime


def agreement_data(a) -> dict:
    today = clock.today()
    return {
        "id": a.pk, "patient_id": a.patient_id, "guardian_id": a.guardian_id, "guardian_name": a.guardian_name,
        "type": a.type, "type_label": a.get_type_display(), "start": a.start, "end": a.end, "duties": a.duties,
        "signed": a.signed, "signed_on": a.signed_on, "state": a.state, "state_today": a.state_on(today),
        "state_today_label": a.state_label_on(today), "revoked_at": a.revoked_at, "revoke_reason": a.revoke_reason,
        "replaced_by_id": a.replaced_by_id, "created_at": a.created_at,
    }


@router.get("/patients/{id}/guardianship", response=list[AgreementOut], summary="患者的监护协议（含历史）")
def list_agreements(request, id: int):
    """按起始日期倒序，含已撤销、已到期的协议。"""
    patient = patient_selectors.get_patient_for(request, id)
    return [agreement_data(a) for a in selectors.agreements_of(patient)]


@router.post("/patients/{id}/guardianship", response={201: AgreementOut, 403: Problem, 422: Problem},
             summary="登记监护协议")
def create_agreement(request, id: int, payload: AgreementIn):
    """同一类型的协议同时只能有一份有效；须先撤销或办理更换监护人。"""
    patient = patient_selectors.get_patient_for(request, id, action="create", audit_success=False)
    agreement = services.create_agreement(request.user, patient, payload.model_dump(), request=request)
    return Status(201, agreement_data(agreement))


@router.post("/guardianship/{id}/revoke", response={200: AgreementOut, 403: Problem, 422: Problem},
             summary="撤销监护协议")
def revoke_agreement(request, id: int, payload: RevokeIn):
    """须写明原因（齐云山镇2024 三（七）：监护人不履责的取消补贴或调整监护人）。仅乡镇综治中心、卫生院精防人员可撤销。"""
    agreement = selectors.get_agreement_for(request, id, action="update", audit_success=False)
    agreement = services.revoke_agreement(request.user, agreement, payload.reason, payload.date, request=request)
    return agreement_data(agreement)


@router.post("/guardianship/{id}/replace", response={201: AgreementOut, 403: Problem, 422: Problem},
             summary="更换监护人")
def replace_guardian(request, id: int, payload: ReplaceIn):
    """撤销原协议并与另一名已登记监护人签订同类协议（同一事务）；返回新协议。"""
    agreement = selectors.get_agreement_for(request, id, action="update", audit_success=False)
    new = services.replace_guardian(request.user, agreement, payload.reason, payload.new.model_dump(exclude_none=True),
                                    payload.date, request=request)
    return Status(201, agreement_data(new))
