from django.conf import settings
from django.db import models

from jingfang.core import vocab
from jingfang.core.vocab import choices


class FollowUp(models.Model):
    """One follow-up contact or attempt: every field of the national 随访服务记录表."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="followups")
    date = models.DateField("随访日期")
    mode = models.CharField("随访方式", max_length=16, choices=choices(vocab.FOLLOWUP_MODES))
    seen = models.BooleanField("见到患者", default=True)
    not_seen_reason = models.CharField("未见原因", max_length=16, choices=choices(vocab.NOT_SEEN_REASONS), blank=True)
    not_seen_note = models.CharField("未见说明", max_length=200, blank=True)
    patient_interviewed = models.BooleanField("与患者面谈", default=True)
    guardian_interviewed = models.BooleanField("与监护人面谈", default=False)
    attendees = models.JSONField("参加人员", default=list, blank=True)
    attendee_count = models.PositiveSmallIntegerField("参加人数", default=1)
    joint = models.BooleanField("联合随访", default=False)

    # Assessment (only when seen)
    risk_level = models.PositiveSmallIntegerField("危险性评估", null=True, blank=True)
    symptoms = models.JSONField("目前症状", default=list, blank=True)
    symptoms_other = models.CharField("其他症状", max_length=200, blank=True)
    psychotic_level = models.CharField(
        "精神症状程度", max_length=8, blank=True,
        choices=[("none", "基本消失"), ("some", "有但不明显"), ("obvious", "明显")],
        help_text="不填则按所选症状数判断（3项及以上视为明显）",
    )
    insight = models.CharField("自知力", max_length=8, choices=choices(vocab.INSIGHT), blank=True)
    sleep = models.CharField("睡眠情况", max_length=8, choices=choices(vocab.GOOD_FAIR_POOR), blank=True)
    diet = models.CharField("饮食情况", max_length=8, choices=choices(vocab.GOOD_FAIR_POOR), blank=True)
    social_function = models.CharField("社会功能（总体）", max_length=8, choices=choices(vocab.GOOD_FAIR_POOR), blank=True)
    social_detail = models.JSONField("社会功能（分项）", default=dict, blank=True)
    dangerous_acts = models.JSONField("危险行为（次）", default=dict, blank=True)
    locking = models.CharField("两次随访期间关锁", max_length=8, choices=choices(vocab.LOCKING_SINCE_LAST), blank=True)
    hospital = models.CharField("两次随访期间住院", max_length=8, choices=choices(vocab.HOSPITAL_SINCE_LAST), blank=True)
    discharge_date = models.DateField("末次出院时间", null=True, blank=True)
    lab_tests = models.CharField("实验室检查", max_length=200, blank=True)
    adherence = models.CharField("服药依从性", max_length=16, choices=choices(vocab.ADHERENCE), blank=True)
    adherence_cause = models.CharField(
        "服药不规律原因", max_length=24, choices=choices(vocab.ADHERENCE_CAUSES), blank=True
    )
    adverse_reaction = models.CharField("药物不良反应", max_length=8, choices=choices(vocab.ADVERSE), blank=True)
    adverse_note = models.CharField("不良反应说明", max_length=200, blank=True)
    physical_illness = models.CharField("躯体疾病", max_length=8, choices=choices(vocab.PHYSICAL), blank=True)
    physical_note = models.CharField("躯体情况说明", max_length=200, blank=True)
    medications = models.JSONField("用药情况", default=list, blank=True)
    treatment_effect = models.CharField(
        "治疗效果", max_length=16, choices=choices(vocab.TREATMENT_EFFECT), blank=True
    )
    referral = models.BooleanField("转诊", default=False)
    referral_reason = models.CharField("转诊原因", max_length=200, blank=True)
    referral_to = models.CharField("转诊至机构及科室", max_length=200, blank=True)
    referral_succeeded = models.BooleanField("转诊成功", null=True, blank=True)
    guardian_refuses_hospital = models.BooleanField("监护人不同意住院治疗", default=False)
    psychiatrist_contacted = models.BooleanField("已联系精神专科医师", default=False)
    police_notified = models.BooleanField("已通知公安/综治", default=False)
    rehab_measures = models.JSONField("康复措施", default=list, blank=True)
    life_events = models.CharField("生活事件", max_length=200, blank=True)
    notes = models.TextField("其他情况", blank=True)
    assessment_done = models.BooleanField("完成诊断复核与危险性评估（精神科医师）", default=False)
    health_check_done = models.BooleanField("完成年度健康体检", default=False)

    # Classification: derived, or overridden with a written reason.
    condition = models.CharField("本次随访分类", max_length=16, choices=choices(vocab.CONDITIONS), blank=True)
    condition_derived = models.CharField("系统判定分类", max_length=16, choices=choices(vocab.CONDITIONS), blank=True)
    condition_reasons = models.JSONField("判定依据", default=list, blank=True)
    condition_override_reason = models.CharField("人工调整分类理由", max_length=200, blank=True)

    # Outcome of the schedule engine at the time of recording.
    next_due_date = models.DateField("下次随访日期", null=True, blank=True)
    next_rule = models.CharField("随访规则", max_length=200, blank=True)
    actions = models.JSONField("处置建议", default=list, blank=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "随访记录"
        verbose_name_plural = "随访记录"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["patient", "-date"], name="followup_patient_date")]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.date}"


class DueItem(models.Model):
    """What the schedule engine says is outstanding for a patient, refreshed on every write that
    changes it, so that worklists read rows instead of recomputing the world."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="due_items")
    region_code = models.CharField(max_length=12)  # the patient's village, for the scoping range
    kind = models.CharField(max_length=16)
    due_date = models.DateField()
    window_start = models.DateField()
    rule = models.CharField(max_length=300)
    rule_id = models.CharField(max_length=100)
    mode = models.CharField(max_length=16, blank=True)
    escalations = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    provisional = models.BooleanField(default=False)
    key_person = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["region_code", "due_date"], name="dueitem_region_due"),
            models.Index(fields=["due_date"], name="dueitem_due"),
        ]


class IndividualPlan(models.Model):
    """一人一档一人一策: a key person's written plan; its review date itself becomes due."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="plans")
    title = models.CharField("方案名称", max_length=100, default="一人一策管控方案")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="责任人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="owned_plans",
    )
    owner_name = models.CharField("责任人（无账号时）", max_length=50, blank=True)
    review_date = models.DateField("下次研判日期")
    active = models.BooleanField("执行中", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "一人一策"
        verbose_name_plural = "一人一策"
        ordering = ["-active", "review_date"]


class PlanMeasure(models.Model):
    CATEGORIES = {
        "medication": "服药管理",
        "guardianship": "监护落实",
        "visit": "随访面访",
        "relief": "救治救助",
        "control": "管控措施",
        "other": "其他",
    }

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="measures")
    category = models.CharField("类别", max_length=16, choices=list(CATEGORIES.items()), default="other")
    text = models.CharField("措施", max_length=300)
    source = models.CharField("来源", max_length=64, blank=True)  # e.g. "medication:economic"
    done = models.BooleanField("已落实", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done", "id"]


class SensitivePeriod(models.Model):
    """A period set by a county (e.g. a major meeting) during which key persons get a daily roll call."""

    region = models.ForeignKey("regions.Region", verbose_name="设定区划", on_delete=models.PROTECT)
    name = models.CharField("名称", max_length=100)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "敏感时期"
        verbose_name_plural = "敏感时期"
        ordering = ["-start"]


class RollCall(models.Model):
    RESULTS = {"present": "在控", "absent": "不在控", "unreachable": "联系不上"}

    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="roll_calls")
    date = models.DateField("点名日期")
    result = models.CharField("结果", max_length=16, choices=list(RESULTS.items()), default="present")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "date"], name="rollcall_once_a_day")]
        # the worklist's probe for 点名异常 looks for the last days' roll calls found 不在控 or 联系不上 on
        # every request: few, even while a sensitive period has every key person called every day
        indexes = [models.Index(fields=["result", "date"], name="rollcall_result_date")]


class SearchAttempt(models.Model):
    """Every attempt to find a patient lost to follow-up (齐云山镇2024: each village searches, logs each try)."""

    METHODS = {"home": "上门寻找", "phone": "电话联系", "relatives": "询问亲属邻里", "police": "请公安协查", "other": "其他"}
    RESULTS = {"not_found": "未找到", "found": "已找到"}

    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="search_attempts")
    date = models.DateField("日期")
    method = models.CharField("方式", max_length=16, choices=list(METHODS.items()))
    result = models.CharField("结果", max_length=16, choices=list(RESULTS.items()))
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]


class FlagChange(models.Model):
    """When a derived flag (key person, lost to follow-up) turned on or off, so that monthly tables
    and reviews can be produced for any past month from the history rather than today's state."""

    FLAGS = {"key_person": "重点人员", "lost": "失访"}

    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="flag_changes")
    flag = models.CharField(max_length=16, choices=list(FLAGS.items()))
    value = models.BooleanField()
    date = models.DateField()
    reasons = models.JSONField(default=list, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["flag", "date"], name="flagchange_flag_date")]
