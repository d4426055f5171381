"""Accountability measures against villages and units (通报、约谈、挂牌督办、责任追究: 齐云山镇2024 四、3;
平桥区2025 三（四）) and the frozen record of a quarterly joint consultation (齐云山镇2024 四、2).

This app sits beside stats, above the areas: it links care's incidents (and their retrospective reviews)
and stats' inspection reports, and attaches stats' indicators to care's joint consultations. Every read
goes through accountability.selectors, every write through accountability.services (or consultation).
"""

from django.conf import settings
from django.db import models

from . import vocab

USER = settings.AUTH_USER_MODEL


class Measure(models.Model):
    """One measure: its kind, its target (a village or township and the unit there), the reason and the
    facts it rests on, the rectification asked by a deadline, and its closure (销号)."""

    kind = models.CharField("措施类型", max_length=16, choices=list(vocab.KINDS.items()))
    target_region = models.ForeignKey("regions.Region", verbose_name="对象所在区划", on_delete=models.PROTECT,
                                      related_name="+")
    target_unit = models.CharField("对象单位", max_length=24, choices=list(vocab.UNIT_LABELS.items()))
    target_name = models.CharField("对象名称", max_length=100)
    reason = models.TextField("事由")
    facts = models.TextField("事实依据", blank=True)
    incidents = models.ManyToManyField("care.Incident", verbose_name="关联肇事肇祸事件", blank=True,
                                       related_name="accountability_measures")
    inspections = models.ManyToManyField("stats.InspectionReport", verbose_name="关联督导检查", blank=True,
                                         related_name="accountability_measures")
    rectification = models.TextField("整改要求")
    issued_on = models.DateField("下达日期")
    deadline = models.DateField("整改期限")
    issuer_region = models.ForeignKey("regions.Region", verbose_name="下达单位所在区划", on_delete=models.PROTECT,
                                      related_name="+")
    issued_by = models.ForeignKey(USER, verbose_name="下达人", null=True, on_delete=models.SET_NULL, related_name="+")
    closed_on = models.DateField("销号日期", null=True, blank=True)
    closing_text = models.TextField("整改情况", blank=True)
    closed_by = models.ForeignKey(USER, verbose_name="销号人", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "督办问责措施"
        verbose_name_plural = "督办问责措施"
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["target_region", "closed_on"], name="acc_measure_target_open"),
                   models.Index(fields=["deadline"], name="acc_measure_deadline")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.target_name}"

    def state_on(self, on) -> str:
        from .rules import state_on

        return state_on(self.deadline, self.closed_on, on)


class ConsultationRecord(models.Model):
    """What a joint consultation (联合会商调度, care.Meeting of kind joint_consultation_quarterly) had before
    it, frozen when it was recorded: the period's indicators of its township and the shortcomings (below
    target, overdue rectification items, open measures). ``snapshot``: see accountability.consultation."""

    meeting = models.OneToOneField("care.Meeting", on_delete=models.CASCADE, related_name="consultation_record")
    period_start = models.DateField("统计期起")
    period_end = models.DateField("统计期止")
    snapshot = models.JSONField("会商材料", default=dict)
    generated_at = models.DateTimeField("生成时间")
    generated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "联合会商材料"
        verbose_name_plural = "联合会商材料"
