"""Suspected cases (疑似患者线索, 齐云山镇2024) and screening campaigns (摸排, 当阳乡2022).

Every queryset of these starts from ``screening.selectors`` (scoped to the user's jurisdiction by
the village code, like patients).
"""

from django.conf import settings
from django.db import models

from jingfang.core import vocab as core_vocab
from jingfang.core.fields import BlindIndexField, EncryptedCharField, IndexedModel

from . import vocab
from .vocab import choices


class Lead(IndexedModel):
    """One suspected case: who, where, which of the 9 signs, from which source, and its workflow."""

    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=choices(core_vocab.SEXES))
    id_number = EncryptedCharField("身份证号", max_length=18, blank=True)  # encrypted at rest (core/fields.py)
    id_number_index = BlindIndexField(source="id_number", purpose="id_number", db_index=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone = EncryptedCharField("联系电话", max_length=20, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所在村（社区）", db_column="region_code", on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField("住址", max_length=200, blank=True)
    guardian_name = models.CharField("监护人/近亲属姓名", max_length=50, blank=True)
    guardian_relation = models.CharField(
        "与本人关系", max_length=16, choices=choices(core_vocab.GUARDIAN_RELATIONS), blank=True
    )
    guardian_phone = EncryptedCharField("监护人/近亲属电话", max_length=20, blank=True)

    signs = models.JSONField("异常表现（识别清单①-⑨）", default=list)
    source = models.CharField("发现途径", max_length=16, choices=choices(vocab.SOURCES))
    dangerous = models.BooleanField("有伤害自身或危害他人安全的行为", default=False, db_index=True)
    found_on = models.DateField("发现日期")
    notes = models.TextField("情况说明", blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报告人（账号）", null=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter_name = models.CharField("报告人姓名", max_length=50, blank=True)
    reporter_unit = models.CharField("报告人单位", max_length=100, blank=True)

    state = models.CharField("状态", max_length=16, choices=choices(vocab.LEAD_STATES), default="reported",
                             db_index=True)
    referred_on = models.DateField("转诊日期", null=True, blank=True)
    referred_to = models.CharField("转诊机构", max_length=100, blank=True)
    referral_note = models.CharField("转诊说明", max_length=200, blank=True)
    concluded_on = models.DateField("确诊/排除日期", null=True, blank=True)
    exclusion_reason = models.CharField("排除原因", max_length=200, blank=True)
    patient = models.ForeignKey(
        "registry.Patient", verbose_name="建档患者", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "疑似患者线索"
        verbose_name_plural = "疑似患者线索"
        ordering = ["-found_on", "-id"]
        indexes = [models.Index(fields=["region", "state"], name="lead_region_state")]

    def __str__(self) -> str:
        return f"疑似线索{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in vocab.OPEN_STATES

    @property
    def sign_labels(self) -> list[str]:
        return vocab.sign_labels(self.signs)

    @property
    def sign_marks(self) -> list[tuple[str, str]]:
        return [(vocab.CIRCLED[c - 1], vocab.SIGNS[c]) for c in sorted(self.signs or []) if c in vocab.SIGNS]


class Campaign(models.Model):
    """A named screening campaign over the creating user's region (当阳乡2022)."""

    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(
        "regions.Region", verbose_name="摸排范围", db_column="region_code", on_delete=models.PROTECT,
        related_name="+",
    )
    risk_since = models.DateField("危险性评估起算日期", help_text="第一类对象：此日期以来危险性评估曾在3级（含）以上的")
    notes = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "摸排行动"
        verbose_name_plural = "摸排行动"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    phase = models.CharField("阶段", max_length=16, choices=choices(vocab.PHASES))
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")

    class Meta:
        ordering = ["start"]
        constraints = [models.UniqueConstraint(fields=["campaign", "phase"], name="phase_unique_per_campaign")]


class Person(IndexedModel):
    """One person on a campaign's list, once however many departments listed them (当阳乡2022, 四（三）)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=choices(core_vocab.SEXES), blank=True)
    id_number = EncryptedCharField("身份证号", max_length=18, blank=True)  # encrypted at rest (core/fields.py)
    id_number_index = BlindIndexField(source="id_number", purpose="id_number", db_index=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所在村（社区）", db_column="region_code", on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField("住址", max_length=200, blank=True)
    whereabouts = models.CharField("去向分类", max_length=16, choices=choices(core_vocab.STATUSES), blank=True)
    whereabouts_detail = models.CharField("去向细分", max_length=32, blank=True)
    assessment_result = models.CharField(
        "诊断评估结果", max_length=16, choices=choices(vocab.ASSESSMENT_RESULTS), blank=True
    )
    assessed_on = models.DateField("诊断评估日期", null=True, blank=True)
    patient = models.ForeignKey(
        "registry.Patient", verbose_name="入库档案", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "摸排对象"
        verbose_name_plural = "摸排对象"
        ordering = ["region_id", "name", "id"]
        indexes = [models.Index(fields=["campaign", "region"], name="person_campaign_region")]

    def __str__(self) -> str:
        return self.name

    # A person whose file already exists was diagnosed before being registered: the campaign does not
    # assess them again (当阳乡2022 四（二）: 对摸排出的人员一律开展诊断评估 concerns those not yet in the files).
    AWAITING_ASSESSMENT = models.Q(assessment_result="", patient__isnull=True)
    CONFIRMED = models.Q(assessment_result="confirmed") | models.Q(patient__isnull=False)

    @property
    def assessed(self) -> bool:
        return bool(self.assessment_result) or self.patient_id is not None

    @property
    def entered(self) -> bool:
        return self.patient_id is not None

    @property
    def whereabouts_label(self) -> str:
        detail = core_vocab.STATUS_DETAILS.get(self.whereabouts, {}).get(self.whereabouts_detail)
        return detail or core_vocab.STATUSES.get(self.whereabouts, "未分类")


class Listing(models.Model):
    """One department's listing of a person under one target group."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="listings")
    group = models.CharField("摸排类别", max_length=24, choices=choices(vocab.GROUPS))
    department = models.CharField("列报部门", max_length=24, choices=choices(vocab.DEPARTMENTS))
    note = models.CharField("备注", max_length=200, blank=True)
    listed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    listed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["listed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "group", "department"], name="listing_unique"),
        ]
