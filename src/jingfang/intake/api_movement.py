"""API: release handovers (释放/解除衔接, 当阳乡2022) and transfers between townships (转移, 齐云山镇2024、中梁乡2022).

A transfer is visible to its origin and destination townships; the destination reads the patient's
summary (registry.serializers.patient_summary for its role) until it accepts, never the file.
"""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from jingfang.audit import log as audit
from jingfang.core import api_support, errors
from jingfang.exports import volume
from jingfang.registry import selectors as patient_selectors

from . import permissions as perms
from . import selectors, serializers, services_movement
from .api_reports import IntakeDueOut, forbid_unless, renamed
from .models import RELEASE_KINDS, RELEASE_STATUSES, TRANSFER_STATUSES
from .views_common import list_audit

router = Router(tags=["释放衔接与转移"])
Closed, Problem = api_support.ClosedSchema, api_support.Problem
WRITE_RESPONSES = {403: Problem, 409: dict, 422: Problem}


# Releases -----------------------------------------------------------------------------------------
class ReleaseIn(Closed):
    kind: Literal[tuple(RELEASE_KINDS)] = Field(..., description="custody 刑满释放/解除羁押；compulsory_treatment "
                                                "解除强制医疗；drug_rehab 解除强制隔离戒毒；community_correction 解除社区矫正")
    released_on: dt.date
    notifying_unit: str = Field(..., max_length=100, description="通知单位")
    notified_on: dt.date | None = Field(None, description="通知乡镇日期，默认今天；接管时限由此起算")
    patient_id: int | None = Field(None, description="辖区内已有档案的患者编号")
    id_number: str = Field("", max_length=30, description="身份证号；辖区内有档案则自动关联")
    person_name: str = Field("", max_length=50, description="未建档时必填")
    address: str = Field("", max_length=200)
    township_code: str = Field("", max_length=12, description="未建档时负责接管的乡镇；乡镇级用户不填")


class ReleaseTakeoverIn(Closed):
    taken_over_on: dt.date | None = Field(None, description="接管日期，默认今天")
    note: str = Field("", max_length=200)


class ReleaseOut(Schema):
    id: int
    kind: str
    kind_label: str
    released_on: dt.date
    notifying_unit: str
    notified_on: dt.date
    township_code: str
    township_name: str
    patient_id: int | None
    person_name: str
    id_number_masked: str
    address: str
    status: Literal[tuple(RELEASE_STATUSES)]
    status_label: str
    taken_over_on: dt.date | None
    takeover_note: str
    deadline: IntakeDueOut | None


class ReleasePage(Schema):
    count: int
    items: list[ReleaseOut]


class ReleaseFilters(Schema):
    status: Literal["", *RELEASE_STATUSES] = ""
    kind: Literal["", *RELEASE_KINDS] = ""
    q: str = Field("", max_length=50, description="姓名或通知单位的一部分")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


@router.get("/releases", response=ReleasePage, summary="释放/解除人员衔接列表")
def list_releases(request, filters: Query[ReleaseFilters]):
    forbid_unless(request, perms.VIEW_RELEASES, target="releases")
    qs = selectors.releases(request.user, status=filters.status, kind=filters.kind, q=filters.q.strip())
    count, rows = api_support.paginate(qs, filters.page, filters.page_size)
    volume.check_api_page(request, len(rows), action="list", target="releases")
    list_audit(request, "releases", count, sorted(k for k in ("status", "kind", "q") if getattr(filters, k)))
    return {"count": count, "items": [serializers.release_data(n) for n in rows]}


@router.post("/releases", response={201: ReleaseOut, **WRITE_RESPONSES}, summary="登记释放/解除通知")
def create_release(request, payload: ReleaseIn):
    """公安、司法所、综治中心、卫生院可登记。给出 patient_id（辖区外与不存在一样返回422）或身份证号关联已有档案。"""
    notice = services_movement.record_release(request.user, payload.model_dump(), request=request)
    return Status(201, serializers.release_data(notice))


@router.get("/releases/{id}", response=ReleaseOut, summary="释放/解除衔接详情")
def get_release(request, id: int):
    forbid_unless(request, perms.VIEW_RELEASES, "view", f"release:{id}")
    return serializers.release_data(selectors.get_release_for(request, id))


@router.post("/releases/{id}/takeover", response={200: ReleaseOut, **WRITE_RESPONSES}, summary="登记乡镇接管")
def takeover(request, id: int, payload: ReleaseTakeoverIn):
    """已建档的患者同时记录在管状态变更为“在家居住”。重复接管返回409。"""
    forbid_unless(request, perms.TAKE_OVER_RELEASE, "update", f"release:{id}")
    notice = selectors.get_release_for(request, id, action="update", audit_success=False)
    try:
        notice = services_movement.take_over(request.user, notice, {"date": payload.taken_over_on,
                                                                    "text": payload.note}, request=request)
    except errors.ServiceError as exc:
        raise renamed(exc, {"date": "taken_over_on", "text": "note"}) from None
    return serializers.release_data(notice)


# Transfers ----------------------------------------------------------------------------------------
class TransferIn(Closed):
    patient_id: int
    destination_code: str = Field(..., max_length=12, description="转入乡镇（街道）的12位区划代码，可跨县")
    reason: str = Field(..., max_length=200)
    new_address: str = Field("", max_length=200)
    sent_on: dt.date | None = Field(None, description="转出日期，默认今天")


class TransferAcceptIn(Closed):
    village_code: str = Field(..., max_length=12, description="转入乡镇下的村（社区）")
    accepted_on: dt.date | None = None


class TransferReturnIn(Closed):
    reason: str = Field(..., max_length=200)


class TransferPatientSummary(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date
    id_number_masked: str
    phone_masked: str
    region_code: str
    status: str
    status_label: str | None
    risk_level: int | None = Field(None, description="仅卫生健康角色、社区民警和乡镇综治中心可见")
    condition: str | None = Field(None, description="仅卫生健康角色可见")
    condition_label: str | None = Field(None, description="仅卫生健康角色可见")
    key_person: bool
    next_due_date: dt.date | None = Field(None, description="仅卫生健康角色可见")
    version: int


class TransferOut(Schema):
    id: int
    patient_id: int
    patient_name: str = Field(..., description="转出方在患者转出后、转入方在接收前（收件箱外）只见脱敏姓名")
    origin_code: str
    origin_name: str
    destination_code: str
    destination_name: str
    destination_village_code: str | None
    destination_village_name: str | None
    reason: str
    new_address: str
    sent_on: dt.date
    sent_by: str
    status: Literal[tuple(TRANSFER_STATUSES)]
    status_label: str
    accepted_on: dt.date | None
    returned_on: dt.date | None
    return_reason: str
    patient: TransferPatientSummary | None = Field(None, description="仅转入方在接收前可见的概要")


class TransferPage(Schema):
    count: int
    items: list[TransferOut]


class TransferFilters(Schema):
    direction: Literal["", "out", "in"] = Field("", description="out 转出；in 转入；空为两者")
    status: Literal["", *TRANSFER_STATUSES] = ""
    page: api_support.Page = None
    page_size: api_support.PageSize = None


@router.get("/transfers", response=TransferPage, exclude_unset=True, summary="转出/转入记录")
def list_transfers(request, filters: Query[TransferFilters]):
    forbid_unless(request, perms.VIEW_TRANSFERS, target="transfers")
    user = request.user
    qs = selectors.transfers(user, direction=filters.direction, status=filters.status)
    count, rows = api_support.paginate(qs, filters.page, filters.page_size)
    volume.check_api_page(request, len(rows), action="list", target="transfers")
    list_audit(request, "transfers", count, sorted(k for k in ("direction", "status") if getattr(filters, k)))
    return {"count": count, "items": [serializers.transfer_data(t, user) for t in rows]}


@router.post("/transfers", response={201: TransferOut, 404: api_support.Detail, **WRITE_RESPONSES},
             exclude_unset=True, summary="转出患者")
def create_transfer(request, payload: TransferIn):
    """患者须在调用者辖区内（否则与不存在一样返回404）。转入乡镇不能是本乡镇；同一患者只能有一项待接收的转移（409）。
    对方接收前患者仍属本辖区，工作台提示电话随访。"""
    forbid_unless(request, perms.SEND_TRANSFER, "create", "transfer")
    patient = patient_selectors.get_patient_for(request, payload.patient_id, action="create", audit_success=False)
    data = payload.model_dump(exclude={"patient_id"})
    transfer = services_movement.send_transfer(request.user, patient, data, request=request)
    return Status(201, serializers.transfer_data(transfer, request.user))


@router.get("/transfers/inbox", response=list[TransferOut], exclude_unset=True, summary="转入待接收（含患者概要）")
def inbox(request):
    """转入乡镇在调用者辖区内、尚未接收或退回的转移，附患者概要（按调用者角色；不含完整档案）。"""
    forbid_unless(request, perms.VIEW_TRANSFERS, target="transfer_inbox")
    transfers = list(selectors.inbox_for(request.user))
    audit.record_request(request, "list", target="transfer_inbox",
                         detail={"count": len(transfers), "patients": [t.patient_id for t in transfers][:50]})
    return [serializers.transfer_data(t, request.user, with_summary=True) for t in transfers]


@router.get("/transfers/{id}", response=TransferOut, exclude_unset=True, summary="转移详情")
def get_transfer(request, id: int):
    forbid_unless(request, perms.VIEW_TRANSFERS, "view", f"transfer:{id}")
    transfer = selectors.get_transfer_for(request, id)
    summary = selectors.is_destination_side(request.user, transfer) and transfer.status == "sent"
    return serializers.transfer_data(transfer, request.user, with_summary=summary)


@router.post("/transfers/{id}/accept", response={200: TransferOut, **WRITE_RESPONSES}, exclude_unset=True,
             summary="接收转入（选择村/社区）")
def accept(request, id: int, payload: TransferAcceptIn):
    """患者现住址移至所选村（社区），档案与全部随访记录随之转入；此后转出方与其他乡镇一样看不到该患者（404）。
    已接收或已退回的再处理返回409。"""
    forbid_unless(request, perms.ACCEPT_TRANSFER, "update", f"transfer:{id}")
    transfer = selectors.get_transfer_for(request, id, action="update", audit_success=False)
    transfer = services_movement.accept_transfer(request.user, transfer, payload.model_dump(), request=request)
    return serializers.transfer_data(transfer, request.user)


@router.post("/transfers/{id}/return", response={200: TransferOut, **WRITE_RESPONSES}, exclude_unset=True,
             summary="退回转入（须写原因）")
def return_transfer(request, id: int, payload: TransferReturnIn):
    """患者仍由转出乡镇管理。已接收的不能退回（409）。"""
    forbid_unless(request, perms.ACCEPT_TRANSFER, "update", f"transfer:{id}")
    transfer = selectors.get_transfer_for(request, id, action="update", audit_success=False)
    transfer = services_movement.return_transfer(request.user, transfer, payload.model_dump(), request=request)
    return serializers.transfer_data(transfer, request.user)
