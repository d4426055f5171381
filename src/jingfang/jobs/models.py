"""Background jobs as their users see them: what is running, how far it has got, how it ended.

The django-tasks result row (django_tasks_db) is the mechanics of running a task; a ``Job`` is the
user-facing record that the task updates: kind, owner, status, progress done/total, a message, a
result summary and files (the uploaded input, an error report, an export) to download.
"""

from django.conf import settings
from django.db import models


class Job(models.Model):
    QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
    STATUSES = {QUEUED: "排队中", RUNNING: "进行中", SUCCEEDED: "已完成", FAILED: "失败"}
    ACTIVE = (QUEUED, RUNNING)

    kind = models.CharField("类型", max_length=40)
    title = models.CharField("名称", max_length=200)
    # None for jobs the system starts itself (the nightly recomputation).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="jobs",
    )
    region_code = models.CharField("发起人区划", max_length=12, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=list(STATUSES.items()), default=QUEUED, db_index=True)
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    message = models.CharField("进度说明", max_length=200, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    error = models.CharField("失败原因", max_length=500, blank=True)
    # Set when the job may simply be run again (its worker died or the database failed): nothing was
    # written, and its input is kept.
    retryable = models.BooleanField("可重新运行", default=False)
    attempt = models.PositiveSmallIntegerField("运行次数", default=0)
    task_id = models.CharField("后台任务编号", max_length=64, blank=True)
    # Unique per scheduled run (e.g. "recompute:2026-05-01"), so two workers never queue it twice.
    schedule_key = models.CharField("计划键", max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True, db_index=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_created")]

    def __str__(self) -> str:
        return self.title

    @property
    def status_label(self) -> str:
        return self.STATUSES.get(self.status, self.status)

    @property
    def active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.status == self.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return max(0, min(100, int(self.done * 100 / self.total)))


class JobFile(models.Model):
    """A file belonging to a job, kept in the database so that any web server and any worker see it
    (and so that it goes when the job's files are purged); ``data`` is encrypted (services.seal)."""

    INPUT, REPORT, RESULT = "input", "report", "result"
    PURPOSES = {INPUT: "上传的文件", REPORT: "校验报告", RESULT: "结果文件"}

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="files")
    purpose = models.CharField("用途", max_length=16, choices=list(PURPOSES.items()))
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "任务文件"
        verbose_name_plural = "任务文件"
        constraints = [models.UniqueConstraint(fields=["job", "purpose"], name="jobfile_one_per_purpose")]
