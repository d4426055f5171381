from django.conf import settings
from django.db import models

from jingfang.core import vocab
from jingfang.core.fields import BlindIndexField, EncryptedCharField, IndexedModel
from jingfang.core.vocab import choices


class Patient(IndexedModel):
    """One patient's file (一人一档): the personal-information supplement and the cached schedule state.

    Every queryset of patients starts from ``registry.selectors.patients_for(user)``.
    """

    # Identity
    name = models.CharField("姓名", max_length=50)
    sex = models.CharField("性别", max_length=1, choices=choices(vocab.SEXES))
    # ID number and phones are encrypted at rest; exact lookups go through the blind indexes (core/fields.py).
    id_number = EncryptedCharField("身份证号", max_length=18)
    id_number_index = BlindIndexField(source="id_number", purpose="id_number", unique=True)
    birth_date = models.DateField("出生日期")
    phone = EncryptedCharField("本人电话", max_length=20, blank=True)
    phone_index = BlindIndexField(source="phone", purpose="phone", db_index=True)

    # Places: the current residence village decides jurisdiction.
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="现住址所在村（社区）",
        db_column="region_code",
        on_delete=models.PROTECT,
        related_name="patients",
    )
    address = models.CharField("现住址", max_length=200)
    household_region = models.ForeignKey(
        "regions.Region",
        verbose_name="户籍地区划",
        db_column="household_region_code",
        on_delete=models.PROTECT,
        related_name="household_patients",
    )
    household_address = models.CharField("户籍地址", max_length=200, blank=True)
    household_type = models.CharField("户别", max_length=8, choices=choices(vocab.HOUSEHOLD_TYPES), blank=True)
    village_contact_name = models.CharField("村（居）委会联系人", max_length=50, blank=True)
    village_contact_phone = EncryptedCharField("村（居）委会联系电话", max_length=20, blank=True)

    # Social
    employment = models.CharField("就业情况", max_length=16, choices=choices(vocab.EMPLOYMENT), blank=True)
    education = models.CharField("文化程度", max_length=16, choices=choices(vocab.EDUCATION), blank=True)
    marital_status = models.CharField("婚姻状况", max_length=16, choices=choices(vocab.MARITAL), blank=True)
    economic_status = models.CharField("经济状况", max_length=16, choices=choices(vocab.ECONOMIC), blank=True)
    informed_consent = models.CharField(
        "知情同意", max_length=16, choices=choices(vocab.CONSENT), default="unknown"
    )
    consent_date = models.DateField("知情同意签字日期", null=True, blank=True)

    # Clinical (health roles only; see accounts.roles.CLINICAL_FIELDS)
    diagnosis = models.CharField("目前诊断", max_length=32, choices=choices(vocab.DIAGNOSES))
    diagnosis_hospital = models.CharField("确诊医院", max_length=100, blank=True)
    diagnosis_date = models.DateField("确诊日期", null=True, blank=True)
    first_onset_date = models.DateField("初次发病时间", null=True, blank=True)
    past_symptoms = models.JSONField("既往主要症状", default=list, blank=True)
    outpatient_history = models.CharField(
        "既往门诊治疗", max_length=16, choices=choices(vocab.OUTPATIENT), blank=True
    )
    first_antipsychotic_date = models.DateField("首次抗精神病药治疗时间", null=True, blank=True)
    hospitalizations = models.PositiveSmallIntegerField("既往精神专科住院次数", default=0)
    past_locking = models.CharField("既往关锁情况", max_length=16, choices=choices(vocab.LOCKING), default="none")
    latest_treatment_effect = models.CharField(
        "最近一次治疗效果", max_length=16, choices=choices(vocab.TREATMENT_EFFECT), blank=True
    )
    psychiatrist_opinion = models.TextField("专科医生意见", blank=True)
    clinical_notes = models.TextField("临床备注", blank=True)

    # Risk history and flags (visible to the partner departments)
    past_dangerous_acts = models.JSONField("既往危险行为（次数）", default=dict, blank=True)
    police_listed = models.BooleanField("公安列管", default=False)
    disability_certificate = models.BooleanField("持残疾证", default=False)
    disability_grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True)
    key_person_manual = models.BooleanField("人工标记重点人员", default=False)
    key_person_reason = models.CharField("重点人员原因", max_length=200, blank=True)
    guardianship_weak = models.BooleanField("弱监护（监护能力不足）", default=False)

    # Whereabouts
    status = models.CharField("在管状态", max_length=16, choices=choices(vocab.STATUSES), default="at_home")
    status_detail = models.CharField("状态细分", max_length=32, blank=True)
    status_since = models.DateField("状态起始日期", null=True, blank=True)
    death_date = models.DateField("死亡日期", null=True, blank=True)
    death_cause = models.CharField("死亡原因", max_length=32, choices=choices(vocab.DEATH_CAUSES), blank=True)

    # Assessment state, cached from the latest assessment and the schedule engine.
    risk_level = models.PositiveSmallIntegerField("危险性等级", null=True, blank=True)
    condition = models.CharField("病情分类", max_length=16, choices=choices(vocab.CONDITIONS), blank=True)
    key_person = models.BooleanField("重点人员", default=False, db_index=True)
    next_due_date = models.DateField("下次随访日期", null=True, blank=True, db_index=True)
    last_followup_date = models.DateField("末次随访日期", null=True, blank=True)
    last_seen_date = models.DateField("末次见到患者日期", null=True, blank=True)
    lost = models.BooleanField("失访", default=False, db_index=True)
    grade = models.CharField("分色管理", max_length=16, blank=True)
    key_reasons = models.JSONField("重点人员原因（系统判定）", default=list, blank=True)
    transfer_pending = models.BooleanField("转出待接收", default=False)

    registered_on = models.DateField("建档日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "患者"
        verbose_name_plural = "患者"
        ordering = ["region_id", "name", "id"]
        indexes = [
            models.Index(fields=["region", "status"], name="patient_region_status"),
            models.Index(fields=["name"], name="patient_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def primary_guardian(self):
        guardians = list(self.guardians.all())
        for g in guardians:
            if g.is_primary:
                return g
        return guardians[0] if guardians else None


class Guardian(IndexedModel):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField("监护人姓名", max_length=50)
    relation = models.CharField("与患者关系", max_length=16, choices=choices(vocab.GUARDIAN_RELATIONS))
    phone = EncryptedCharField("监护人电话", max_length=20, blank=True)
    phone_index = BlindIndexField(source="phone", purpose="phone", db_index=True)
    address = models.CharField("监护人住址", max_length=200, blank=True)
    is_primary = models.BooleanField("主要监护人", default=True)

    class Meta:
        verbose_name = "监护人"
        verbose_name_plural = "监护人"
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.name


class StatusChange(models.Model):
    """The history of a patient's whereabouts (在管状态)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="status_history")
    status = models.CharField("状态", max_length=16, choices=choices(vocab.STATUSES))
    detail = models.CharField("状态细分", max_length=32, blank=True)
    since = models.DateField("起始日期")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "状态变更"
        verbose_name_plural = "状态变更"
        ordering = ["-since", "-id"]


class Revision(models.Model):
    """What one accepted edit changed; shown to whoever's later edit on an older version is refused."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["patient", "version"], name="revision_unique_version")]


class Disclosure(models.Model):
    """One ID number a user was told about, for one day, by ``registry.disclosure`` (the one gate for
    "is this ID number registered elsewhere?"): what the daily quota ``JINGFANG_DISCLOSURE_PER_DAY``
    counts. The same number asked again on the same day costs nothing more (unique per user, day and
    number). Holds the number's blind index, never the number."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT,
                             related_name="+")
    day = models.DateField("日期")
    digest = models.CharField("身份证号索引", max_length=64)
    purpose = models.CharField("用途", max_length=20)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "登记情况核对"
        verbose_name_plural = "登记情况核对"
        constraints = [models.UniqueConstraint(fields=["user", "day", "digest"], name="disclosure_once_a_day")]
