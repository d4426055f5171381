"""API: monthly exchange tables (乡镇严重精神障碍患者管理信息交换表) and list reconciliation.

Scoped like the pages: a table or run outside the caller's jurisdiction (or not theirs to read) is a
404 identical to a missing one, and the attempt is audited. Reconciliation routes: exchange.api_recon.
"""

import datetime as dt

from ninja import Field, Query, Router, Schema, Status

from jingfang.audit import log as audit
from jingfang.core import api_support

from . import api_recon, selectors, serializers, services, table
from . import permissions as perms
from .api_common import forbid_unless
from .models import DEPARTMENTS

router = Router(tags=["信息交换与核对"])
router.add_router("", api_recon.router)  # its operations follow this module's own
Closed, Problem, Detail = api_support.ClosedSchema, api_support.Problem, api_support.Detail
MONTH = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"


def month_of(text: str, field: str = "month") -> dt.date | None:
    if not text:
        return None
    month = table.parse_month(text)
    if month is None:
        raise api_support.invalid(field, "格式应为YYYY-MM")
    return month


# Schemas -----------------------------------------------------------------------------------------
class TableFilters(Schema):
    township: str = Field("", max_length=12, description="乡镇（街道）区划代码；不填则为调用者辖区内全部乡镇")
    month: str = Field("", max_length=7, description="月份 YYYY-MM",
                       json_schema_extra={"pattern": f"^$|{MONTH}"})
    all_versions: api_support.OptionalBool = Field(None, description="true 列出每个版本；默认只列最新版本")
    page: api_support.Page = None
    page_size: api_support.PageSize = None


class TableIn(Closed):
    township: str = Field("", max_length=12, description="乡镇（街道）区划代码；乡镇级用户可不填")
    month: str = Field(..., pattern=MONTH, description="已结束的月份 YYYY-MM")


class ReceiptIn(Closed):
    department: str = Field(..., description="部门：" + "、".join(f"{k} {v}" for k, v in DEPARTMENTS.items())
                            + "（司法所仅当本地政策的信息交换成员含司法时）")
    received_on: dt.date | None = Field(None, description="签收日期，默认今天")
    received_by: str = Field(..., max_length=50, description="签收人姓名")
    note: str = Field("", max_length=200)


class ReceiptOut(Schema):
    department: str
    department_label: str
    received_on: dt.date
    received_by: str
    note: str
    recorded_by: str
    recorded_at: dt.datetime


class TableSummary(Schema):
    id: int
    township_code: str
    township_name: str
    month: str
    version: int
    generated_at: dt.datetime
    generated_by: str
    counts: dict[str, int] = Field(..., description="各类别人数：" + "、".join(f"{k} {v}" for k, v in table.CATEGORIES))
    lines: int
    receipts: list[str]


class TablePage(Schema):
    count: int
    items: list[TableSummary]


class TableLineOut(Schema):
    category: str
    category_label: str
    patient_id: int
    name: str
    id_number_masked: str
    village: str
    village_name: str
    date: dt.date
    detail: str
    supplement: bool = Field(..., description="本版补录（上一版生成后才录入、日期在本月内）")


class TableSummaryRow(Schema):
    key: str
    label: str
    count: int
    previous: int | None
    delta: int | None
    changed: bool


class Department(Schema):
    key: str
    label: str


class Pending(Schema):
    added: int
    removed: int


class TableDetail(Schema):
    id: int
    township_code: str
    township_name: str
    month: str
    version: int
    generated_at: dt.datetime
    generated_by: str
    start: dt.date
    end: dt.date
    counts: dict[str, int]
    summary: list[TableSummaryRow] = Field(..., description="与上月比较；changed 为 true 的项目与上月不同")
    previous_source: str
    lines: list[TableLineOut]
    removed: list[TableLineOut] = Field(..., description="上一版列出、本版经更正后不再列入（撤销）")
    receipts: list[ReceiptOut]
    departments: list[Department]
    versions: list[int] = Field(..., description="同一乡镇同一月份各版本的 id，按版本排列")
    pending: Pending = Field(..., description="按现有记录重新生成将补录/撤销的条数（0 表示与本版一致）")


def _detail(t, role) -> dict:
    data = serializers.table_detail(t, role)
    data["versions"] = list(selectors.versions_of(t).values_list("id", flat=True))
    pending = services.pending_supplement(t)
    data["pending"] = {"added": len(pending["added"]), "removed": len(pending["removed"])}
    return data


# Routes ------------------------------------------------------------------------------------------
@router.get("/exchange-tables", response=TablePage, summary="信息交换表列表")
def list_tables(request, filters: Query[TableFilters]):
    """调用者辖区内各乡镇已生成的月度信息交换表（默认每月只列最新版本）。"""
    forbid_unless(request, perms.VIEW_TABLES, target="exchange_tables")
    month = month_of(filters.month)
    if filters.all_versions:
        qs = selectors.tables_for(request.user)
        qs = qs.filter(township_id=filters.township) if filters.township else qs
        qs = qs.filter(month=month) if month else qs
        rows = list(qs.order_by("-month", "township_id", "-version"))
    else:
        rows = selectors.latest_tables(request.user, filters.township.strip(), month)
    page, size = api_support.page_bounds(filters.page, filters.page_size)
    items = rows[(page - 1) * size: page * size]
    used = sorted(k for k in ("township", "month") if getattr(filters, k))
    audit.record_request(request, "search" if used else "list", target="exchange_tables",
                         detail={"count": len(rows), "filters": used})
    return {"count": len(rows), "items": [serializers.table_summary(t, request.user.role) for t in items]}


@router.post("/exchange-tables", response={200: TableDetail, 201: TableDetail, 403: Problem, 409: Problem,
                                           422: Problem}, summary="生成（冻结）月度信息交换表")
def generate_table(request, payload: TableIn):
    """按事件发生日期汇总该乡镇该月的变动，冻结为快照。历史未变时返回已有的最新版本（200）；
    有补录（日期在该月内、生成后才录入）或更正时生成新版本（201），新增条目标为补录。只能生成已结束的月份。"""
    month = month_of(payload.month)
    t, created = services.generate(request.user, payload.township, month, request=request)
    return Status(201 if created else 200, _detail(t, request.user.role))


@router.get("/exchange-tables/{id}", response={200: TableDetail, 404: Detail}, summary="信息交换表")
def get_table(request, id: int):
    """不存在与不在辖区内一律返回同样的404，并记入审计。"""
    return _detail(selectors.get_table_for(request, id), request.user.role)


@router.post("/exchange-tables/{id}/receipts", response={201: ReceiptOut, 403: Problem, 404: Detail, 422: Problem},
             summary="登记部门签收")
def add_receipt(request, id: int, payload: ReceiptIn):
    """综治中心登记成员单位对本版交换表的签收；同一部门再次登记即为更正。"""
    t = selectors.get_table_for(request, id, audit_success=False)
    receipt = services.record_receipt(request.user, t, payload.model_dump(), request=request)
    return Status(201, serializers.receipt_data(receipt))

