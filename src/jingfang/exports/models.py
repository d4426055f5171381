from django.conf import settings
from django.db import models

from . import rules


class ExportRequest(models.Model):
    """A request to export more rows than the threshold: which export (view and parameters), how many
    rows, why, and what the supervisor decided. An approval is good for one download, by the
    requester, of exactly this export, within the validity window."""

    STATUS_CHOICES = list(rules.STATUS_LABELS.items())

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT,
                                  related_name="export_requests")
    requester_role = models.CharField("申请时角色", max_length=32)
    requester_region = models.ForeignKey("regions.Region", verbose_name="申请时所属区划", on_delete=models.PROTECT,
                                         related_name="+")
    approver_role = models.CharField("审批角色", max_length=32)
    approver_region = models.ForeignKey("regions.Region", verbose_name="审批区划", on_delete=models.PROTECT,
                                        related_name="+")
    view_name = models.CharField("导出功能", max_length=100)
    title = models.CharField("导出内容", max_length=200)
    path = models.CharField("导出地址", max_length=300)
    method = models.CharField("请求方式", max_length=4, default="GET")
    params = models.JSONField("导出条件", default=list, blank=True)
    row_count = models.PositiveIntegerField("行数")
    reason = models.CharField("申请理由", max_length=rules.REASON_MAX, blank=True)
    status = models.CharField("状态", max_length=16, choices=STATUS_CHOICES, default=rules.DRAFT, db_index=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    note = models.CharField("审批意见", max_length=rules.NOTE_MAX, blank=True)
    expires_at = models.DateTimeField("下载有效至", null=True, blank=True)
    downloaded_at = models.DateTimeField("下载时间", null=True, blank=True)
    downloaded_rows = models.PositiveIntegerField("下载行数", null=True, blank=True)

    class Meta:
        verbose_name = "导出审批"
        verbose_name_plural = "导出审批"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "approver_role", "requester_region"])]

    def __str__(self) -> str:
        return f"导出审批#{self.pk} {self.title}（{self.row_count}行）"

    @property
    def status_label(self) -> str:
        return rules.STATUS_LABELS.get(self.status, self.status)

    @property
    def approver_label(self) -> str:
        return rules.approver_label(self.approver_role)


class RowTally(models.Model):
    """Personal rows that left the system for one user (exports and API list pages), kept for the
    rolling window of ``JINGFANG_EXPORT_WINDOW_HOURS`` (exports.volume). Rows released by an approval
    and rows of exempt roles are not recorded: the window counts what nobody has approved."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="+")
    at = models.DateTimeField("时间")
    rows = models.PositiveIntegerField("行数")
    channel = models.CharField("途径", max_length=8)  # "export" or "api"
    target = models.CharField("内容", max_length=200, blank=True)

    class Meta:
        verbose_name = "个人信息取出行数"
        verbose_name_plural = "个人信息取出行数"
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d %H:%M} {self.rows}行"
