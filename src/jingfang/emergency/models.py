from django.conf import settings
from django.db import models

from .rules import CATEGORIES, REVIEW_OUTCOMES


class Grant(models.Model):
    """One emergency access (紧急查阅): a user may open one patient outside their jurisdiction,
    read-only, from ``started_at`` until ``expires_at``. Never deleted; the township office of the
    patient acknowledges it and the county supervisor reviews it.

    Read through emergency.selectors (scoped by the acting user); written through emergency.services.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="查阅人", on_delete=models.PROTECT,
                             related_name="emergency_grants")
    # Who the user was when they asked (a role or region may change later).
    user_role = models.CharField("查阅人角色", max_length=32)
    user_region = models.ForeignKey("regions.Region", verbose_name="查阅人所属区划", db_column="user_region_code",
                                    on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("registry.Patient", verbose_name="患者", on_delete=models.PROTECT, related_name="+")
    # The patient's village when access was granted: decides which township office is notified and
    # which county reviews, even if the patient moves later.
    region = models.ForeignKey("regions.Region", verbose_name="患者所在村（社区）", db_column="region_code",
                               on_delete=models.PROTECT, related_name="+")
    category = models.CharField("事由类别", max_length=20, choices=list(CATEGORIES.items()))
    reason = models.TextField("查阅理由")
    hours = models.PositiveSmallIntegerField("有效时长（小时）")
    policy = models.CharField("依据的策略配置", max_length=64)
    started_at = models.DateTimeField("开始时间", db_index=True)
    expires_at = models.DateTimeField("有效至")

    acknowledged_at = models.DateTimeField("乡镇知悉时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="知悉人", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")

    review_outcome = models.CharField("审核结论", max_length=16, choices=list(REVIEW_OUTCOMES.items()), blank=True)
    review_note = models.TextField("审核意见", blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "紧急查阅"
        verbose_name_plural = "紧急查阅"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["user", "patient", "expires_at"]),
                   models.Index(fields=["region", "reviewed_at"])]

    def __str__(self) -> str:
        return f"紧急查阅#{self.pk}"

    @property
    def user_role_label(self) -> str:
        from jingfang.accounts.roles import label

        return label(self.user_role)

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None


class Lookup(models.Model):
    """One look-up by whole ID number through 紧急查阅 (found or not): what the daily limit counts
    (``JINGFANG_EMERGENCY_PER_DAY``), so that nobody can test number after number to learn who is a
    registered patient. The audit row of the request says the rest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="查阅人", on_delete=models.PROTECT,
                             related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)
    found = models.BooleanField("找到档案")

    class Meta:
        verbose_name = "紧急查阅检索"
        verbose_name_plural = "紧急查阅检索"
        indexes = [models.Index(fields=["user", "at"])]
