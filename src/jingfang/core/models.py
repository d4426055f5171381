from django.conf import settings
from django.db import models
from django.utils import timezone

from .fields import EncryptedJSONField


class CalendarDay(models.Model):
    """A day that departs from Mon–Fri: a weekday holiday or a 调休 weekend working day.

    Filled from the `chinese-calendar` package for the years it knows (`jingfang sync_calendar`, run by
    migrate); an admin adds the State Council's notice for later years. A year with no rows and no
    package data falls back to Mon–Fri, marked provisional.
    """

    date = models.DateField("日期", primary_key=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=50, blank=True)
    source = models.CharField("来源", max_length=20, default="admin")

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '放假'} {self.name}"


class IdempotentRequest(models.Model):
    """A write sent with an ``Idempotency-Key``, and its answer while the key is kept (core.idempotency).

    Keys are per user: the row is found by (user, digest of the key) only, so another user's same key
    is another row and nobody is ever answered with someone else's reply. The answer may hold personal
    data and is stored encrypted with the field keys. Rows older than ``JINGFANG_IDEMPOTENCY_DAYS``
    are deleted by the worker's nightly run.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name="用户")
    key_digest = models.CharField("键（SHA-256）", max_length=64)
    method = models.CharField("方法", max_length=10)
    path = models.CharField("路径", max_length=500)
    body_digest = models.CharField("请求内容（SHA-256）", max_length=64)
    scope = models.CharField("当时的角色与辖区", max_length=80, default="")
    patients = models.JSONField("答复涉及的患者", default=list, blank=True)
    status = models.PositiveSmallIntegerField("答复状态", null=True, blank=True)
    answer = EncryptedJSONField("答复（加密）", null=True, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "幂等请求"
        verbose_name_plural = "幂等请求"
        constraints = [models.UniqueConstraint(fields=["user", "key_digest"], name="core_idempotent_user_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status or ''}"
