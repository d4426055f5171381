"""What the offline field app sent: each entry (a visit or a roll call made on the phone) once per user
and client id, with the answer it got; held visits kept whole for the township doctor's review."""

from django.conf import settings
from django.db import models

from jingfang.core.fields import BlindIndexField, EncryptedCharField, IndexedModel


class OfflineEntry(models.Model):
    KINDS = {"visit": "随访", "roll_call": "点名"}
    STATUSES = {"applied": "已录入", "held": "待审核"}
    HELD_REASONS = {"outside": "患者已不在录入人辖区内", "deceased": "患者已登记死亡", "closed": "患者档案已结案（迁出）"}
    REVIEW_STATES = {"pending": "待审核", "applied": "已录入", "dismissed": "不予录入"}

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                             related_name="+")
    client_id = models.CharField("客户端编号", max_length=64)
    kind = models.CharField("类别", max_length=16, choices=list(KINDS.items()))
    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="+")
    status = models.CharField("同步结果", max_length=16, choices=list(STATUSES.items()))
    answer = models.JSONField("首次答复", default=dict)
    recorded_at = models.DateTimeField("手机上录入时间", null=True, blank=True)
    synced_at = models.DateTimeField("同步时间", auto_now_add=True)
    followup = models.ForeignKey("followups.FollowUp", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    # Held visits: the form as sent, why it was held, and its review.
    form = models.JSONField("随访内容（待审核）", default=dict, blank=True)
    visit_date = models.DateField("随访日期", null=True, blank=True)
    held_reason = models.CharField("暂存原因", max_length=16, choices=list(HELD_REASONS.items()), blank=True)
    patient_name = models.CharField("患者姓名", max_length=50, blank=True)
    recorder_region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    # The township whose doctors review it: the recorder's, or the patient's current one after 转交.
    review_region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    review_state = models.CharField("审核状态", max_length=16, choices=list(REVIEW_STATES.items()), blank=True)
    forwarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    review_note = models.CharField("审核意见", max_length=200, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "离线录入"
        verbose_name_plural = "离线录入"
        constraints = [models.UniqueConstraint(fields=["user", "client_id"], name="offline_entry_once")]
        indexes = [models.Index(fields=["review_region", "review_state"], name="offline_entry_review")]


class PackagedPatient(models.Model):
    """A patient an offline package gave the user (first and last time): a visit synced later for them,
    now outside the user's jurisdiction, is held for review rather than refused as unknown."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="+")
    first_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "patient"], name="offline_packaged_once")]


class PaperToken(IndexedModel):
    """The code on a printed follow-up form (纸质随访表): random (``paper_code``), never derived from the
    patient; stored encrypted with a blind index for the look-up; bound to the patient and to the township
    that issued it (its doctors' print or package); valid until ``expires_at`` (the profile's
    ``[offline] paper_token_days``)."""

    code = EncryptedCharField("编号", max_length=16)
    code_index = BlindIndexField(source="code", purpose="paper_code", unique=True)
    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="+")
    township = models.ForeignKey("regions.Region", verbose_name="签发乡镇", on_delete=models.PROTECT,
                                 related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发人", on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")

    class Meta:
        verbose_name = "纸质随访表编号"
        verbose_name_plural = "纸质随访表编号"
        indexes = [models.Index(fields=["patient", "township", "expires_at"], name="offline_paper_live")]


class PaperLookup(models.Model):
    """One look-up of a typed or scanned code on the server that found nothing the user may open: what
    the daily bound counts (``JINGFANG_PAPER_MISSES_PER_DAY``), so that nobody can try code after code."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "at"], name="offline_paper_miss")]
