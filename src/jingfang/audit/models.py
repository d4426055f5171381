import random

from django.db import models, transaction
from django.utils import timezone

from .hashing import compute_hash

CHAINS = 32  # raising it needs a migration creating the new heads (as 0004 does): verify expects them all


class AppendOnly(Exception):
    """Audit rows are written once and never changed or removed by the application."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("审计记录不可修改")

    def delete(self):
        raise AppendOnly("审计记录不可删除")

    def bulk_create(self, objs, *args, **kwargs):
        raise AppendOnly("审计记录须逐条写入哈希链")


class AuditEvent(models.Model):
    """Who did what to which patient, when, from where, and how it ended."""

    ACTION_LABELS = {
        "login": "登录",
        "login_failed": "登录失败",
        "logout": "退出",
        "token": "签发API令牌",
        "list": "查看列表",
        "search": "搜索",
        "view": "查看档案",
        "create": "新建",
        "update": "修改",
        "status": "变更状态",
        "reveal": "查看完整证件号/电话",
        "export": "导出",
        "import": "导入",
        "admin": "管理操作",
        "purge": "清理过期审计记录",
        "emergency_request": "申请紧急查阅",
        "emergency_view": "紧急查阅档案",
        "emergency_ack": "确认紧急查阅通知",
        "emergency_review": "审核紧急查阅",
        "benefit_delete": "删除救助记录",
        "cost_delete": "删除医疗费用记录",
        "reward_compute": "计算以奖代补",
        "reward_withhold": "停发以奖代补",
        "reward_restore": "恢复以奖代补",
        "reward_paid": "以奖代补发放",
        "relief_create": "新建救助申请",
        "relief_update": "修改救助申请",
        "relief_override": "超出基金余额审批",
        "fund_update": "修改救助资金",
    }
    OUTCOME_LABELS = {
        "ok": "成功",
        "denied": "拒绝（无权限或辖区外）",
        "not_found": "不存在或辖区外",
        "invalid": "输入有误",
        "conflict": "版本冲突",
        "locked": "账号锁定",
    }

    # Set by log.record before the insert (not auto_now_add) so the row's hash can cover it.
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user_id = models.BigIntegerField("用户ID", null=True, db_index=True)
    username = models.CharField("用户名", max_length=150, blank=True)
    role = models.CharField("角色", max_length=32, blank=True)
    region_code = models.CharField("用户区划", max_length=12, blank=True)
    action = models.CharField("操作", max_length=32, choices=list(ACTION_LABELS.items()))
    outcome = models.CharField("结果", max_length=16, choices=list(OUTCOME_LABELS.items()), default="ok")
    patient_id = models.BigIntegerField("患者ID", null=True, blank=True, db_index=True)
    target = models.CharField("对象", max_length=200, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    ip = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    path = models.CharField("请求路径", max_length=300, blank=True)
    # Hash chains (see chain.py): chain is which of the chains the row was appended to, seq its place
    # in that chain, prev_hash the row_hash of seq-1 in the same chain.
    chain = models.PositiveSmallIntegerField("链号", default=0)
    seq = models.BigIntegerField("序号")
    prev_hash = models.CharField("前序哈希", max_length=64)
    row_hash = models.CharField("哈希", max_length=64)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]

    def save(self, *args, **kwargs):
        """Insert only, appended to a hash chain: chain, seq, prev_hash, at and row_hash are set here."""
        if self.pk is not None:
            raise AppendOnly("审计记录不可修改")
        with transaction.atomic(savepoint=False):  # inside a caller's transaction, no savepoint is needed
            head = lock_free_head()
            self.chain = head.pk - 1
            self.seq, self.prev_hash, self.at = head.seq + 1, head.last_hash, timezone.now()
            self.row_hash = compute_hash(self)
            super().save(*args, **kwargs)
            ChainHead.objects.filter(pk=head.pk).update(seq=self.seq, last_hash=self.row_hash)

    def delete(self, *args, **kwargs):
        raise AppendOnly("审计记录不可删除")


class ChainHead(models.Model):
    """The end of one audit hash chain (chain k is the row pk=k+1), locked while a row is appended.

    There are CHAINS chains so that concurrent transactions need not wait for each other's
    commit: a writer takes the first head no one else holds (chain 0 whenever writers do not overlap).
    anchor_seq/anchor_hash mark where the remaining chain starts after a purge of expired rows:
    the oldest remaining row is anchor_seq + 1 and its prev_hash must equal anchor_hash.
    """

    seq = models.BigIntegerField("最后序号", default=0)
    last_hash = models.CharField("最后哈希", max_length=64, default="0" * 64)
    anchor_seq = models.BigIntegerField("起点序号", default=0)
    anchor_hash = models.CharField("起点哈希", max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"


def lock_head(pk: int = 1) -> ChainHead:
    """One chain head, locked until the surrounding transaction ends (call inside transaction.atomic)."""
    head = ChainHead.objects.select_for_update().filter(pk=pk).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=pk)
        head = ChainHead.objects.select_for_update().get(pk=pk)
    return head


def _free_head() -> ChainHead | None:
    return ChainHead.objects.select_for_update(skip_locked=True).filter(pk__lte=CHAINS).order_by("pk").first()


def lock_free_head() -> ChainHead:
    """The first chain head no other transaction holds, locked until the surrounding transaction
    ends; when every head is held, wait for one of them."""
    head = _free_head()
    if head is None:
        for pk in range(1, CHAINS + 1):  # the heads do not all exist yet (a new or flushed database)
            ChainHead.objects.get_or_create(pk=pk)
        head = _free_head()
    return head or lock_head(random.randint(1, CHAINS))
