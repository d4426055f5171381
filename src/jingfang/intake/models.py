"""Intake and movement (齐云山镇2024 三（五）3、三（六）3; 当阳乡2022 四（三）): report cards from hospitals, release handovers, transfers.

Each row carries the code of the township that must act on it, so that scoping is one range
comparison on the user's region code, as for patients (registry.selectors).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from jingfang.core import vocab
from jingfang.core.fields import BlindIndexField, EncryptedCharField, IndexedModel
from jingfang.core.vocab import choices

REPORT_KINDS = {"onset": "发病报告卡", "discharge": "出院信息单"}
REPORT_STATUSES = {
    "received": "已收到，待接收",
    "accepted": "已接收，待建档录入",
    "entered": "已建档录入",
    "referred_cdc": "住址仍不明，已转县疾控",
}
RELEASE_KINDS = {
    "custody": "刑满释放/解除羁押",
    "compulsory_treatment": "解除强制医疗",
    "drug_rehab": "解除强制隔离戒毒",
    "community_correction": "解除社区矫正",
}
RELEASE_STATUSES = {"pending": "待乡镇接管", "taken_over": "已接管"}
TRANSFER_STATUSES = {"sent": "待接收", "accepted": "已接收", "returned": "已退回"}


def _user(related_name="+", verbose_name=""):
    return models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=verbose_name, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name=related_name)


def _region(db_column, verbose_name, related_name="+", null=False):
    return models.ForeignKey("regions.Region", verbose_name=verbose_name, db_column=db_column, null=null,
                             blank=null, on_delete=models.PROTECT, related_name=related_name)


class ReportCard(IndexedModel):
    """A report card (发病报告卡) or discharge form (出院信息单) sent by a mental-health institution.

    received → accepted → entered (linked to the patient's file); an unknown or wrong address →
    police query → entered once found, or referred to the county CDC (齐云山镇2024, 三（六）3).
    """

    kind = models.CharField("类别", max_length=16, choices=choices(REPORT_KINDS))
    hospital = models.CharField("报告医疗机构", max_length=100)
    received_on = models.DateField("收到日期")
    patient_name = models.CharField("患者姓名", max_length=50)
    id_number = EncryptedCharField("身份证号", max_length=18, blank=True)  # encrypted at rest (core/fields.py)
    id_number_index = BlindIndexField(source="id_number", purpose="id_number", db_index=True)
    address = models.CharField("报告卡所填住址", max_length=200, blank=True)
    diagnosis = models.CharField("诊断", max_length=32, choices=choices(vocab.DIAGNOSES), blank=True)
    township = _region("township_code", "接收乡镇")
    status = models.CharField("状态", max_length=16, choices=choices(REPORT_STATUSES), default="received")
    accepted_on = models.DateField("接收日期", null=True, blank=True)
    accepted_by = _user()
    entered_on = models.DateField("建档录入日期", null=True, blank=True)
    entered_by = _user()
    patient = models.ForeignKey("registry.Patient", verbose_name="患者档案", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="report_cards")
    address_unknown = models.BooleanField("住址不明或有误", default=False)
    police_asked_on = models.DateField("联系派出所日期", null=True, blank=True)
    police_station = models.CharField("派出所", max_length=100, blank=True)
    address_resolved_on = models.DateField("住址查明日期", null=True, blank=True)
    cdc_referred_on = models.DateField("转县疾控日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = _user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "报告卡/出院信息单"
        verbose_name_plural = "报告卡/出院信息单"
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["township", "status"], name="intake_card_township_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.received_on}"

    @property
    def is_open(self) -> bool:
        return self.status in ("received", "accepted")


class ReleaseNotice(IndexedModel):
    """A notice that a person was released from custody, compulsory treatment, drug rehab or community
    correction; the township takes over their service management (当阳乡2022, 四（三）)."""

    kind = models.CharField("类别", max_length=24, choices=choices(RELEASE_KINDS))
    released_on = models.DateField("释放/解除日期")
    notifying_unit = models.CharField("通知单位", max_length=100)
    notified_on = models.DateField("通知乡镇日期")
    township = _region("township_code", "负责接管的乡镇")
    patient = models.ForeignKey("registry.Patient", verbose_name="患者档案", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="release_notices")
    person_name = models.CharField("姓名", max_length=50)
    id_number = EncryptedCharField("身份证号", max_length=18, blank=True)  # encrypted at rest (core/fields.py)
    id_number_index = BlindIndexField(source="id_number", purpose="id_number", db_index=True)
    address = models.CharField("去向/住址", max_length=200, blank=True)
    status = models.CharField("状态", max_length=16, choices=choices(RELEASE_STATUSES), default="pending")
    taken_over_on = models.DateField("接管日期", null=True, blank=True)
    taken_over_by = _user()
    takeover_note = models.CharField("接管说明", max_length=200, blank=True)
    recorded_by = _user()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "释放/解除衔接"
        verbose_name_plural = "释放/解除衔接"
        ordering = ["-notified_on", "-id"]
        indexes = [models.Index(fields=["township", "status"], name="intake_release_township_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.released_on}"


class Transfer(models.Model):
    """A patient's file sent from one township's health centre to another's (齐云山镇2024、中梁乡2022).

    Until the destination accepts, the patient stays with the origin, whose worklist asks for phone
    follow-up (Patient.transfer_pending). Acceptance moves Patient.region to a village of the destination.
    """

    patient = models.ForeignKey("registry.Patient", verbose_name="患者", on_delete=models.PROTECT,
                                related_name="transfers")
    origin = _region("origin_code", "转出乡镇")
    origin_village = _region("origin_village_code", "转出时所在村（社区）")
    destination = _region("destination_code", "转入乡镇")
    destination_village = _region("destination_village_code", "转入村（社区）", null=True)
    reason = models.CharField("转移原因", max_length=200)
    new_address = models.CharField("新住址（已知时）", max_length=200, blank=True)
    sent_on = models.DateField("转出日期")
    sent_by = _user(verbose_name="转出人")
    status = models.CharField("状态", max_length=16, choices=choices(TRANSFER_STATUSES), default="sent")
    accepted_on = models.DateField("接收日期", null=True, blank=True)
    accepted_by = _user(verbose_name="接收人")
    returned_on = models.DateField("退回日期", null=True, blank=True)
    returned_by = _user(verbose_name="退回人")
    return_reason = models.CharField("退回原因", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "转移"
        verbose_name_plural = "转移"
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["patient"], condition=Q(status="sent"), name="intake_one_open_transfer"),
        ]
        indexes = [
            models.Index(fields=["destination", "status"], name="intake_transfer_dest_status"),
            models.Index(fields=["origin", "status"], name="intake_transfer_origin_status"),
        ]

    def __str__(self) -> str:
        return f"转移 {self.origin_id} → {self.destination_id}"
