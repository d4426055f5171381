"""Care teams, their meetings, guardianship agreements and incidents (齐云山镇2024 三（一）、三（七）; 中梁乡2022; 平桥区2025 二（四）).

Every read goes through care.selectors (scoped by the patient's or the meeting's region); every write
through care.services.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from jingfang.core.fields import EncryptedCharField
from jingfang.core.vocab import DANGEROUS_ACTS, choices

from . import vocab


class CareTeam(models.Model):
    """One patient's 关爱帮扶小组 / 联合服务管理小组 (齐云山镇2024 三（一）1; 中梁乡2022 一; 平桥区2025 三（三）)."""

    patient = models.OneToOneField("registry.Patient", on_delete=models.CASCADE, related_name="care_team")
    note = models.CharField("备注", max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "关爱帮扶小组"
        verbose_name_plural = "关爱帮扶小组"


def missing_roles(members, required, *, guardian_signed: bool = False) -> list[str]:
    """The ``required`` roles (the profile's [care_team]) the members lack; a leader is the member
    marked is_leader, and a registered guardian who signed the guardianship agreement
    (``guardian_signed``) is the group's 监护人 without being entered again as a member."""
    members = list(members)
    have = {m.role for m in members}
    out = []
    for role in required:
        if role == "leader":
            present = any(m.is_leader for m in members)
        elif role == "guardian":
            present = "guardian" in have or guardian_signed
        else:
            present = role in have
        if not present:
            out.append(role)
    return out


class TeamMember(models.Model):
    ROLE_CHOICES = choices(vocab.MEMBER_ROLES)

    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="members")
    role = models.CharField("角色", max_length=24, choices=ROLE_CHOICES)
    name = models.CharField("姓名", max_length=50)
    phone = EncryptedCharField("电话", max_length=20, blank=True)  # members include guardians; encrypted at rest
    unit = models.CharField("单位/职务", max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="系统账号", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="care_memberships",
    )
    is_leader = models.BooleanField("组长", default=False)

    class Meta:
        verbose_name = "小组成员"
        verbose_name_plural = "小组成员"
        ordering = ["-is_leader", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class Meeting(models.Model):
    """A monthly team meeting (village), a monthly township group meeting, or the quarterly joint
    consultation (township): 齐云山镇2024 三（一）1, 四、2; 中梁乡2022 三、1."""

    KIND_CHOICES = choices(vocab.MEETING_KINDS)

    kind = models.CharField("会议类型", max_length=32, choices=KIND_CHOICES)
    region = models.ForeignKey("regions.Region", verbose_name="所属区划", on_delete=models.PROTECT,
                               related_name="+")
    date = models.DateField("会议日期")
    place = models.CharField("地点", max_length=100, blank=True)
    patients = models.ManyToManyField("registry.Patient", verbose_name="研究的患者", blank=True,
                                      related_name="care_meetings")
    minutes = models.TextField("会议纪要", blank=True)
    decisions = models.TextField("议定事项", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["kind", "region", "date"], name="care_meeting_kind_region")]


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField("姓名", max_length=50)
    unit = models.CharField("单位/职务", max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")

    class Meta:
        ordering = ["id"]


class MeetingTask(models.Model):
    """A follow-up task decided at a meeting; it lands on its owner's worklist until done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="tasks")
    text = models.CharField("任务", max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人", on_delete=models.PROTECT,
                              related_name="care_tasks")
    due_date = models.DateField("完成期限")
    done = models.BooleanField("已完成", default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        ordering = ["done", "due_date", "id"]
        indexes = [models.Index(fields=["owner", "done"], name="care_task_owner_done")]


class AgreementQuerySet(models.QuerySet):
    def active_on(self, on: dt.date):
        """Agreements in force on ``on``: started, not ended, not revoked by then."""
        return self.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on)).filter(
            Q(revoked_at__isnull=True) | Q(revoked_at__gt=on))


class GuardianshipAgreement(models.Model):
    """A guardianship agreement (监护管理协议 / 有奖监护协议): 齐云山镇2024 三（七）, 中梁乡2022 三、4, 平桥区2025 二（四）.

    Stable contract read by other areas (jingfang.support reads it; care never imports support):
    - ``patient`` (FK registry.Patient), ``guardian`` (FK registry.Guardian, null once that guardian
      row is deleted; ``guardian_name`` keeps the name), ``type`` ("management" 监护管理协议 | "reward" 有奖监护协议);
    - ``start`` (date), ``end`` (date or None = open-ended);
    - ``signed`` (bool), ``signed_on`` (date or None);
    - ``state`` as stored: "active" or "revoked" (expiry is not stored: use ``state_on(date)``,
      which answers "active" | "revoked" | "expired" | "pending");
    - ``revoked_at`` (a **date**: the day the revocation took effect, None if never revoked),
      ``revoke_reason``, ``replaced_by`` (the agreement with the new guardian, if replaced);
    - ``GuardianshipAgreement.objects.active_on(date)``: agreements in force on that date.
    """

    STATE_CHOICES = [("active", "有效"), ("revoked", "已撤销")]

    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="guardianship_agreements")
    guardian = models.ForeignKey("registry.Guardian", verbose_name="监护人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="agreements")
    guardian_name = models.CharField("监护人姓名", max_length=50)
    type = models.CharField("协议类型", max_length=16, choices=choices(vocab.AGREEMENT_TYPES))
    start = models.DateField("起始日期")
    end = models.DateField("终止日期", null=True, blank=True)
    duties = models.TextField("监护责任", default=vocab.default_duties)
    signed = models.BooleanField("已签订", default=False)
    signed_on = models.DateField("签订日期", null=True, blank=True)
    state = models.CharField("状态", max_length=16, choices=STATE_CHOICES, default="active")
    revoked_at = models.DateField("撤销日期", null=True, blank=True)
    revoke_reason = models.CharField("撤销原因", max_length=300, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    replaced_by = models.OneToOneField("self", verbose_name="更换后的协议", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="replaces")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = "监护协议"
        verbose_name_plural = "监护协议"
        ordering = ["-start", "-id"]

    def state_on(self, on: dt.date) -> str:
        if self.revoked_at is not None and self.revoked_at <= on:
            return "revoked"
        if self.start > on:
            return "pending"
        if self.end is not None and self.end < on:
            return "expired"
        return "active"

    def state_label_on(self, on: dt.date) -> str:
        return vocab.AGREEMENT_STATES[self.state_on(on)]


class Incident(models.Model):
    """An incident (肇事肇祸) by a registered patient: what happened, the police response, on-site
    handling coordinated by the governance office, hospital and aftermath (中梁乡2022 三、5), and the
    retrospective review (倒查, 齐云山镇2024 四、3).

    Stable contract read by other areas (jingfang.support): ``patient``, ``date``, ``kind`` (a
    core.vocab.DANGEROUS_ACTS key), ``injuries``, ``deaths``, ``property_loss_yuan``.
    """

    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="incidents")
    date = models.DateField("发生日期")
    place = models.CharField("发生地点", max_length=200)
    kind = models.CharField("性质", max_length=16, choices=choices(DANGEROUS_ACTS))
    description = models.TextField("经过", blank=True)
    injuries = models.PositiveSmallIntegerField("受伤人数", default=0)
    deaths = models.PositiveSmallIntegerField("死亡人数", default=0)
    property_loss_yuan = models.DecimalField("财产损失（元）", max_digits=12, decimal_places=2, default=0)
    harm_note = models.CharField("危害后果说明", max_length=300, blank=True)
    police_response = models.TextField("公安出警处置", blank=True)
    onsite_handling = models.TextField("现场处置（综治办牵头协调）", blank=True)
    hospital = models.CharField("送医机构", max_length=100, blank=True)
    compulsory = models.BooleanField("强制住院/强制医疗", default=False)
    aftermath = models.TextField("善后处理", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    review_findings = models.TextField("倒查结论", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField("倒查时间", null=True, blank=True)

    class Meta:
        verbose_name = "肇事肇祸事件"
        verbose_name_plural = "肇事肇祸事件"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["patient", "-date"], name="care_incident_patient_date")]

    @property
    def definition(self) -> str:
        return vocab.INCIDENT_DEFINITIONS.get(self.kind, "")
