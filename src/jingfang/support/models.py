"""Guardian rewards, benefits and hospitalisation relief (齐云山镇2024 三（七）; 平桥区2025 二; 薛城区2016 二（三）).

Support reads care's GuardianshipAgreement and Incident through support.facts_rewards only; nothing
here has a foreign key into care, so these migrations do not depend on care's.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models

from jingfang.core.fields import EncryptedCharField

from . import vocab
from .vocab import choices

USER = settings.AUTH_USER_MODEL


def _money(label: str, **kw):
    return models.DecimalField(label, max_digits=12, decimal_places=2, **kw)


# ---- guardian rewards ------------------------------------------------------------------------------

class RewardRun(models.Model):
    """One township's guardian rewards for one month (or one year, when the profile pays per year).

    Recomputable until marked paid; then frozen."""

    township = models.ForeignKey("regions.Region", verbose_name="乡镇（街道）", db_column="township_code",
                                 on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份", default=0, help_text="0 表示按年度发放")
    per = models.CharField("发放周期", max_length=8, choices=[("month", "按月"), ("year", "按年")])
    profile_name = models.CharField("政策配置", max_length=64)
    amount_yuan = _money("标准（元）")
    cite = models.CharField("依据", max_length=200, blank=True)
    line_count = models.PositiveIntegerField("名单人数", default=0)
    eligible_count = models.PositiveIntegerField("符合发放人数", default=0)
    total_amount = _money("发放合计（元）", default=Decimal("0.00"))
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)
    computed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    paid_at = models.DateTimeField("发放时间", null=True, blank=True)
    paid_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "监护人以奖代补发放批次"
        verbose_name_plural = "监护人以奖代补发放批次"
        ordering = ["-year", "-month", "township_id"]
        constraints = [models.UniqueConstraint(fields=["township", "year", "month"], name="rewardrun_unique_period")]

    @property
    def period_label(self) -> str:
        return f"{self.year}年度" if self.month == 0 else f"{self.year}年{self.month}月"

    @property
    def paid(self) -> bool:
        return self.paid_at is not None


class RewardLine(models.Model):
    run = models.ForeignKey(RewardRun, on_delete=models.CASCADE, related_name="lines")
    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="+")
    village_code = models.CharField("村（社区）代码", max_length=12)
    patient_name = models.CharField("患者姓名", max_length=50)
    guardian = models.ForeignKey("registry.Guardian", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    guardian_name = models.CharField("监护人", max_length=50, blank=True)
    guardian_relation = models.CharField("与患者关系", max_length=16, blank=True)
    agreement_id = models.PositiveIntegerField("监护协议编号", null=True, blank=True)  # care.GuardianshipAgreement
    eligible = models.BooleanField("符合发放", default=False)
    amount = _money("金额（元）", default=Decimal("0.00"))
    grounds = models.JSONField("符合的条件", default=list, blank=True)
    problems = models.JSONField("不予发放原因", default=list, blank=True)
    covered_months = models.PositiveSmallIntegerField("计发月数", default=0)

    class Meta:
        ordering = ["village_code", "patient_name", "id"]


class RewardWithhold(models.Model):
    """The township withholds one period's reward: the guardian did not perform (齐云山镇2024 三（七））."""

    run = models.ForeignKey(RewardRun, on_delete=models.CASCADE, related_name="withholds")
    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("未履职情况", max_length=200)
    by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "patient"], name="rewardwithhold_once")]


# ---- benefits ---------------------------------------------------------------------------------------

class Benefit(models.Model):
    """One benefit a patient has (or had): kind, since when, until when, grade or amount where relevant."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="benefits")
    kind = models.CharField("待遇", max_length=24, choices=choices(vocab.BENEFIT_KINDS))
    since = models.DateField("起始日期")
    until = models.DateField("终止日期", null=True, blank=True)
    scheme = models.CharField("参保类型", max_length=16, choices=choices(vocab.INSURANCE_SCHEMES), blank=True)
    grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True,
                                             choices=choices(vocab.DISABILITY_GRADES))
    extreme_poverty = models.BooleanField("特别困难（低保）", default=False)
    amount_yuan = _money("金额（元/月，临时救助为一次）", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "救助帮扶待遇"
        verbose_name_plural = "救助帮扶待遇"
        ordering = ["kind", "-since", "-id"]

    def active_on(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or self.until >= day)


# ---- hospitalisation relief -------------------------------------------------------------------------

class ReliefFund(models.Model):
    """The district's hospitalisation relief fund for one year (平桥区2025: 1.4 million yuan), with a ledger."""

    county = models.ForeignKey("regions.Region", verbose_name="区（县）", db_column="county_code",
                               on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    budget_yuan = _money("年度预算（元）")
    note = models.CharField("说明", max_length=200, blank=True)
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "住院救助基金"
        verbose_name_plural = "住院救助基金"
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="relieffund_unique_year")]


class ReliefApplication(models.Model):
    """信阳市平桥区困难精神障碍患者住院救助申请审批表 (平桥区2025 annex), and what became of it."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="relief_applications")
    township_code = models.CharField("乡镇代码", max_length=12)
    state = models.CharField("状态", max_length=20, choices=choices(vocab.RELIEF_STATES), default="draft")
    # The applicant (the guardian) and the facts
    guardian = models.ForeignKey("registry.Guardian", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    applicant_name = models.CharField("申请人（监护人）", max_length=50)
    applicant_relation = models.CharField("与患者关系", max_length=16, blank=True)
    applicant_phone = EncryptedCharField("联系方式", max_length=20, blank=True)  # the guardian's; encrypted at rest
    insurance_type = models.CharField("基本医疗保险", max_length=16, choices=choices(vocab.INSURANCE_TYPES))
    facts = models.TextField("事实与理由")
    court_ordered = models.BooleanField("法院判决强制医疗", default=False)
    full_funding = models.JSONField("可全额资助的情形", default=list, blank=True)
    priority = models.BooleanField("暴力行为或倾向，优先救助", default=False)
    priority_reasons = models.JSONField("优先救助依据", default=list, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    # 村委会初审
    village_opinion = models.CharField("村委会初审意见", max_length=300, blank=True)
    village_option = models.CharField("村委会建议救助方式", max_length=32, blank=True)
    village_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    village_at = models.DateTimeField(null=True, blank=True)
    # 乡镇（办事处）审批
    township_option = models.CharField("救助方式", max_length=32, blank=True)
    township_option_label = models.CharField("救助方式（文字）", max_length=100, blank=True)
    township_amount = _money("审批救助金额（元）", null=True, blank=True)
    township_opinion = models.CharField("乡镇审批意见", max_length=300, blank=True)
    township_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    township_at = models.DateTimeField(null=True, blank=True)
    budget_override = models.BooleanField("超出基金余额审批", default=False)
    override_reason = models.CharField("超预算审批理由", max_length=300, blank=True)
    fund = models.ForeignKey(ReliefFund, null=True, blank=True, on_delete=models.PROTECT, related_name="applications")
    # 未予救助
    reject_reason = models.CharField("不予救助理由", max_length=300, blank=True)
    rejected_stage = models.CharField("不予救助环节", max_length=20, blank=True)
    rejected_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rejected_at = models.DateTimeField(null=True, blank=True)
    # 定点医院
    hospital = models.CharField("定点医院", max_length=100, blank=True)
    admission_date = models.DateField("入院日期", null=True, blank=True)
    total_cost = _money("住院总费用（元）", null=True, blank=True)
    food_cost = _money("其中饮食餐费（元）", null=True, blank=True)
    insurance_paid = _money("医保报销（元）", null=True, blank=True)
    relief_paid = _money("救助基金支付（元）", null=True, blank=True)
    self_paid = _money("个人自付（元）", null=True, blank=True)
    admitted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    admitted_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.CharField("存档说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "住院救助申请"
        verbose_name_plural = "住院救助申请"
        ordering = ["-priority", "-created_at", "-id"]
        indexes = [models.Index(fields=["township_code", "state"], name="relief_township_state")]

    def __str__(self) -> str:
        return f"住院救助申请 {self.pk}"

    @property
    def state_label(self) -> str:
        return vocab.RELIEF_STATES.get(self.state, self.state)

    @property
    def full_funding_labels(self) -> list[str]:
        return [vocab.FULL_FUNDING.get(c, c) for c in self.full_funding]


class ReliefLedgerEntry(models.Model):
    """One movement on a fund: an approval holds money (commit), admission releases the hold and books
    what was actually paid (release + payment). Remaining = budget − (commit − release) − payment."""

    fund = models.ForeignKey(ReliefFund, on_delete=models.PROTECT, related_name="entries")
    application = models.ForeignKey(ReliefApplication, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="ledger")
    kind = models.CharField("类型", max_length=16, choices=choices(vocab.LEDGER_KINDS))
    amount = _money("金额（元）")
    note = models.CharField("说明", max_length=300, blank=True)
    by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


# ---- treatment cost burden --------------------------------------------------------------------------

class CostEpisode(models.Model):
    """One outpatient or inpatient episode of a patient's treatment and who paid what (薛城区2016 一（二）3:
    门诊和住院医疗费用平均自付比例; 二（三）1: 医保先报、民政救助、残联（慈善）补助).

    自付 is never typed: it is the total less every payment (``self_paid``). An episode that records a
    hospitalisation relief application's stay links to it (``relief``): its 救助基金支付 is the
    application's, read through the link."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="cost_episodes")
    kind = models.CharField("类别", max_length=12, choices=choices(vocab.EPISODE_KINDS))
    relief = models.OneToOneField(ReliefApplication, verbose_name="住院救助申请", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="cost_episode")
    hospital = models.CharField("医疗机构", max_length=100)
    start = models.DateField("就诊（入院）日期")
    end = models.DateField("出院日期", null=True, blank=True)
    total_cost = _money("医疗总费用（元）")
    policy_cost = _money("其中政策范围内费用（元）", null=True, blank=True,
                         help_text="住院：医疗保险政策范围内的费用，用于计算医保支付比例")
    insurance_paid = _money("基本医疗保险支付（元）", default=Decimal("0.00"))
    serious_illness_paid = _money("大病保险支付（元）", default=Decimal("0.00"))
    assistance_paid = _money("民政医疗救助（元）", default=Decimal("0.00"))
    own_relief_paid = _money("救助基金支付（元）", default=Decimal("0.00"),
                             help_text="关联住院救助申请的，取该申请的救助基金支付，不在此填写")
    dpf_paid = _money("残联补助（元）", default=Decimal("0.00"))
    other_paid = _money("其他（慈善等）支付（元）", default=Decimal("0.00"))
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "医疗费用负担"
        verbose_name_plural = "医疗费用负担"
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["start"], name="costepisode_start")]

    def __str__(self) -> str:
        return f"医疗费用 {self.pk}"

    @property
    def relief_paid(self) -> Decimal:
        if self.relief_id is not None:
            return self.relief.relief_paid or Decimal("0.00")
        return self.own_relief_paid

    def payments(self) -> dict[str, Decimal]:
        return {"insurance_paid": self.insurance_paid, "serious_illness_paid": self.serious_illness_paid,
                "assistance_paid": self.assistance_paid, "relief_paid": self.relief_paid,
                "dpf_paid": self.dpf_paid, "other_paid": self.other_paid}

    @property
    def self_paid(self) -> Decimal:
        return self.total_cost - sum(self.payments().values(), Decimal("0.00"))

    @property
    def self_paid_percent(self) -> Decimal | None:
        if not self.total_cost:
            return None
        return (self.self_paid * 100 / self.total_cost).quantize(Decimal("0.1"))
