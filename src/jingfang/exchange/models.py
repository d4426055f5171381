"""Monthly information exchange (齐云山镇2024 三（六）2, 中梁乡2022 三6, 平桥区2025 三（二）).

- ExchangeTable: a township's 乡镇严重精神障碍患者管理信息交换表 for one month, frozen when generated.
  Versions: a regeneration whose events differ (a 补录, recorded later but dated inside the month)
  becomes a new version; earlier versions stay as what was exchanged and signed.
- Receipt: a department's signature that it received one version.
- ColumnMapping / ReconciliationRun / ReconciliationLine / Resolution: a department's own list
  checked against ours ("departments' lists must agree"), each discrepancy resolved and kept.
"""

from django.conf import settings
from django.db import models

from jingfang.core.fields import EncryptedJSONField

DEPARTMENTS = {
    "governance": "综治中心",
    "police": "公安派出所",
    "civil_affairs": "民政",
    "health": "卫生院",
    "dpf": "残联",
    "judicial": "司法所",
}
# Departments that upload their own lists for reconciliation, by the role of their users.
LIST_DEPARTMENTS = {"police": "公安派出所", "civil_affairs": "民政", "dpf": "残联", "judicial": "司法所"}

OUR_FIELDS = {
    "id_number": "身份证号",
    "name": "姓名",
    "address": "住址",
    "status": "在管状态/去向",
    "risk_level": "危险性等级",
    "village": "所在村（社区）",
}

LINE_KINDS = {
    "theirs_only": "对方名单有、我方无",
    "ours_only": "我方有、对方名单无",
    "mismatch": "信息不一致",
}
RESOLUTIONS = {"link": "关联到我方患者", "lead": "转为疑似线索", "note": "核实说明"}
RUN_STATES = {"mapping": "待确认列对应", "done": "已核对"}


def _user(**kwargs):
    return models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", **kwargs)


def _township(verbose_name="乡镇（街道）"):
    return models.ForeignKey("regions.Region", verbose_name=verbose_name, db_column="township_code",
                             on_delete=models.PROTECT, related_name="+")


class ExchangeTable(models.Model):
    township = _township()
    month = models.DateField("月份")  # the first day of the month
    version = models.PositiveSmallIntegerField("版本", default=1)
    generated_at = models.DateTimeField("生成时间", auto_now_add=True)
    generated_by = _user(verbose_name="生成人")
    content = models.JSONField("内容快照", default=dict)
    # What this version added to / removed from the previous one (补录 / 撤销); empty for version 1.
    supplement = models.JSONField("补录与撤销", default=dict, blank=True)

    class Meta:
        verbose_name = "信息交换表"
        verbose_name_plural = "信息交换表"
        ordering = ["-month", "township_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["township", "month", "version"], name="exchange_table_version"),
        ]

    def __str__(self) -> str:
        return f"{self.township_id} {self.month:%Y-%m} v{self.version}"


class Receipt(models.Model):
    table = models.ForeignKey(ExchangeTable, on_delete=models.CASCADE, related_name="receipts")
    department = models.CharField("部门", max_length=16, choices=list(DEPARTMENTS.items()))
    received_on = models.DateField("签收日期")
    received_by = models.CharField("签收人", max_length=50)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = _user(verbose_name="登记人")
    recorded_at = models.DateTimeField("登记时间", auto_now=True)

    class Meta:
        verbose_name = "部门签收"
        verbose_name_plural = "部门签收"
        ordering = ["table_id", "department"]
        constraints = [models.UniqueConstraint(fields=["table", "department"], name="exchange_receipt_once")]


class ColumnMapping(models.Model):
    """A department's sheet headers -> our fields, chosen once per township and remembered."""

    department = models.CharField("部门", max_length=16, choices=list(LIST_DEPARTMENTS.items()))
    township = _township()
    mapping = models.JSONField("列对应", default=dict)  # our field -> their header text
    updated_by = _user()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "名单列对应"
        verbose_name_plural = "名单列对应"
        constraints = [models.UniqueConstraint(fields=["department", "township"], name="exchange_mapping_once")]


class ReconciliationRun(models.Model):
    township = _township()
    department = models.CharField("部门", max_length=16, choices=list(LIST_DEPARTMENTS.items()))
    state = models.CharField("状态", max_length=16, choices=list(RUN_STATES.items()), default="mapping")
    filename = models.CharField("文件名", max_length=200, blank=True)
    sheet = models.CharField("工作表", max_length=100, blank=True)
    header_rows = models.JSONField("表头所在行", default=list, blank=True)
    headers = models.JSONField("表头", default=list, blank=True)
    mapping = models.JSONField("列对应", default=dict, blank=True)
    # Parsed cells, kept only until the mapping is confirmed (then cleared: the lines hold what is needed);
    # encrypted at rest as a whole, since they hold the department's ID numbers (core/fields.py).
    rows = EncryptedJSONField("待核对数据", default=list, blank=True)
    row_count = models.PositiveIntegerField("数据行数", default=0)
    warnings = models.JSONField("提示", default=list, blank=True)
    counts = models.JSONField("结果统计", default=dict, blank=True)
    uploaded_by = _user(verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    completed_at = models.DateTimeField("核对时间", null=True, blank=True)

    class Meta:
        verbose_name = "名单核对"
        verbose_name_plural = "名单核对"
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["township", "department"], name="exchange_run_township_dept")]


class ReconciliationLine(models.Model):
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField("类别", max_length=16, choices=list(LINE_KINDS.items()))
    row_number = models.PositiveIntegerField("对方表格行号", null=True, blank=True)
    patient = models.ForeignKey("registry.Patient", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    theirs = EncryptedJSONField("对方信息", default=dict, blank=True)  # holds their full ID number
    ours = models.JSONField("我方信息", default=dict, blank=True)
    diffs = models.JSONField("不一致字段", default=list, blank=True)
    warnings = models.JSONField("提示", default=list, blank=True)
    # The current resolution (its history is in Resolution).
    resolution = models.CharField("处理", max_length=8, choices=list(RESOLUTIONS.items()), blank=True)

    class Meta:
        ordering = ["run_id", "kind", "row_number", "id"]


class Resolution(models.Model):
    """How a line was resolved, by whom and when; every resolution is kept."""

    line = models.ForeignKey(ReconciliationLine, on_delete=models.CASCADE, related_name="resolutions")
    action = models.CharField("处理", max_length=8, choices=list(RESOLUTIONS.items()))
    note = models.CharField("说明", max_length=300, blank=True)
    patient = models.ForeignKey("registry.Patient", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    lead = models.ForeignKey("screening.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_by = _user()
    resolved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-resolved_at", "-id"]
