"""Community rehabilitation (薛城区2016 一（二）2, 二（一）2, 二（二）): the facilities of each 镇街, the
hospital–community multi-function team, and patients' enrolment in a facility or in the DPF's home
rehabilitation training with their monthly attendance. Facilities and the team are not patient data; an
enrolment is (that a person attends a psychiatric rehabilitation station tells their registration)."""

from django.conf import settings
from django.db import models

from . import vocab

USER = settings.AUTH_USER_MODEL


def _choices(d: dict) -> list:
    return list(d.items())


class Facility(models.Model):
    """A community rehabilitation facility of a 镇街 (中途宿舍, 庇护工厂, 日间康复站, 职业康复中心 or a county-named form)."""

    region = models.ForeignKey("regions.Region", verbose_name="所在乡镇（街道）", on_delete=models.PROTECT,
                               related_name="+")
    name = models.CharField("机构名称", max_length=100)
    kind = models.CharField("机构形式", max_length=24, choices=_choices(vocab.FACILITY_KINDS))
    kind_other = models.CharField("其他形式名称", max_length=50, blank=True)
    operator = models.CharField("举办部门", max_length=16, choices=_choices(vocab.OPERATORS))
    operator_name = models.CharField("举办单位", max_length=100, blank=True)
    address = models.CharField("地址", max_length=200)
    places = models.PositiveIntegerField("服务名额（个）")
    opened_on = models.DateField("开办日期")
    status = models.CharField("运营状态", max_length=12, choices=_choices(vocab.FACILITY_STATUSES),
                              default=vocab.OPERATING)
    closed_on = models.DateField("关闭日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "社区康复机构"
        verbose_name_plural = "社区康复机构"
        ordering = ["region_id", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="rehab_facility_name_once")]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        if self.kind == vocab.OTHER_KIND and self.kind_other:
            return self.kind_other
        return vocab.FACILITY_KINDS.get(self.kind, self.kind)


class Team(models.Model):
    """The hospital–community multi-function service team (多功能服务团队) of the county's psychiatric
    hospital, or of a 镇街."""

    region = models.ForeignKey("regions.Region", verbose_name="服务区划", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("团队名称", max_length=100)
    host = models.CharField("依托机构", max_length=100)
    formed_on = models.DateField("组建日期")
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "多功能服务团队"
        verbose_name_plural = "多功能服务团队"
        ordering = ["region_id", "name", "id"]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    name = models.CharField("姓名", max_length=50)
    role = models.CharField("团队角色", max_length=20, choices=_choices(vocab.TEAM_ROLES))
    unit = models.CharField("工作单位", max_length=100, blank=True)
    joined_on = models.DateField("加入日期", null=True, blank=True)
    left_on = models.DateField("退出日期", null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "团队成员"
        verbose_name_plural = "团队成员"
        ordering = ["team_id", "role", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    """A patient's enrolment in a facility or in the DPF's home rehabilitation training (家庭康复训练)."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="rehab_enrolments")
    programme = models.CharField("康复形式", max_length=12, choices=_choices(vocab.PROGRAMMES))
    facility = models.ForeignKey(Facility, verbose_name="康复机构", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="enrolments")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=16, choices=_choices(vocab.END_REASONS), blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "康复登记"
        verbose_name_plural = "康复登记"
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["patient", "start"], name="rehab_enrolment_patient")]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.start}"

    @property
    def owner(self) -> str:
        """The department that runs the programme (vocab.OPERATORS key): home training is the DPF's."""
        if self.programme == vocab.HOME:
            return "dpf"
        return self.facility.operator if self.facility_id else "health"

    @property
    def programme_label(self) -> str:
        if self.programme == vocab.HOME:
            return vocab.PROGRAMMES[vocab.HOME]
        return self.facility.name if self.facility_id else vocab.PROGRAMMES["facility"]


class Attendance(models.Model):
    """Days a patient attended (or trained at home) in one month."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    month = models.DateField("月份")  # the first day of the month
    days = models.PositiveSmallIntegerField("参加天数")
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "康复出勤"
        verbose_name_plural = "康复出勤"
        ordering = ["enrolment_id", "month"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "month"], name="rehab_attendance_month_once")]
