from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL


class InspectionReport(models.Model):
    """A township's quarterly inspection report (督查报告, 薛城区2016 四（一）): figures generated from the
    data, frozen in ``snapshot`` when generated (or regenerated), plus the inspector's findings."""

    township = models.ForeignKey("regions.Region", verbose_name="乡镇（街道）", db_column="township_code",
                                 on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度", choices=[(q, f"第{q}季度") for q in range(1, 5)])
    snapshot = models.JSONField("生成数据", default=dict, blank=True)
    generated_at = models.DateTimeField("生成时间", null=True, blank=True)
    generated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    findings = models.TextField("督导发现的问题", blank=True)
    findings_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    findings_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "督导检查报告"
        verbose_name_plural = "督导检查报告"
        ordering = ["-year", "-quarter", "township_id"]
        constraints = [
            models.UniqueConstraint(fields=["township", "year", "quarter"], name="inspection_once_a_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.year}年第{self.quarter}季度督导检查报告"

    @property
    def title(self) -> str:
        return f"{self.township.name}{self.year}年第{self.quarter}季度督导检查报告"


class RectificationItem(models.Model):
    """A rectification item (整改事项) from an inspection, tracked until it is closed with a note."""

    STATUS_CHOICES = [("open", "整改中"), ("closed", "已整改销号")]

    report = models.ForeignKey(InspectionReport, on_delete=models.CASCADE, related_name="items")
    text = models.CharField("整改事项", max_length=300)
    owner = models.CharField("责任单位/责任人", max_length=100)
    due_date = models.DateField("整改期限")
    status = models.CharField("状态", max_length=8, choices=STATUS_CHOICES, default="open", db_index=True)
    closing_note = models.CharField("整改情况", max_length=500, blank=True)
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["status", "due_date", "id"]

    def __str__(self) -> str:
        return self.text


class KpiSnapshot(models.Model):
    """One township's KPI counts for one period, computed ahead (stats.snapshots) so that the KPI table
    of a county or anything above it adds up its townships' rows. counts: {kpi key: [numerator,
    denominator, patients behind the numerator, data available]}."""

    township = models.ForeignKey("regions.Region", verbose_name="乡镇（街道）", db_column="township_code",
                                 on_delete=models.CASCADE, related_name="+")
    start = models.DateField("统计期起")
    end = models.DateField("统计期止")
    computed_at = models.DateTimeField("计算时间")
    counts = models.JSONField("指标计数", default=dict)

    class Meta:
        verbose_name = "指标预汇总"
        verbose_name_plural = "指标预汇总"
        constraints = [models.UniqueConstraint(fields=["township", "start", "end"], name="kpi_snapshot_once")]
        indexes = [models.Index(fields=["start", "end", "township"], name="kpi_snapshot_period")]
