"""One row per ledger file imported: which file (its SHA-256), by whom, what it created. Written in
the same transaction as the patients, so it exists exactly when the import happened; its unique
hash refuses the same file a second time."""

from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    job = models.OneToOneField("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="import_batch")
    sha256 = models.CharField("文件SHA-256", max_length=64, unique=True)
    filename = models.CharField("文件名", max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region_code = models.CharField("导入人区划", max_length=12)
    rows = models.PositiveIntegerField("数据行数", default=0)
    created_count = models.PositiveIntegerField("新建人数", default=0)
    skipped_count = models.PositiveIntegerField("已登记跳过", default=0)
    patient_ranges = models.JSONField("新建患者编号区间", default=list, blank=True)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "台账导入"
        verbose_name_plural = "台账导入"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename
