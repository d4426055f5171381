import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from jingfang.core.fields import EncryptedCharField

from . import roles


class User(AbstractUser):
    """A person who uses jingfang: one role, bound to one region, sees nothing outside it."""

    role = models.CharField("角色", max_length=32, choices=roles.ROLE_CHOICES)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="users"
    )
    phone = EncryptedCharField("联系电话", max_length=20, blank=True)  # personal data: encrypted at rest
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", default=timezone.now)

    REQUIRED_FIELDS = ["role", "region"]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return f"{self.get_full_name() or self.username}（{self.role_label}）"

    @property
    def role_label(self) -> str:
        return roles.label(self.role)

    def can(self, action: str) -> bool:
        return self.is_active and roles.can(self.role, action)

    @property
    def sees_clinical(self) -> bool:
        return roles.sees_clinical(self.role)

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def password_expired(self, now=None) -> bool:
        """Is the password older than settings.JINGFANG_PASSWORD_MAX_DAYS (0: never)?"""
        days = settings.JINGFANG_PASSWORD_MAX_DAYS
        if not days or self.password_changed_at is None:
            return False
        return (now or timezone.now()) - self.password_changed_at > dt.timedelta(days=days)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the HTTP API. Only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API令牌"
        verbose_name_plural = "API令牌"

    @staticmethod
    def new_raw() -> str:
        return secrets.token_urlsafe(32)


class TOTPDevice(models.Model):
    """A user's TOTP authenticator (RFC 6238, 6 digits, 30 s), usable once confirmed with a code.

    The base32 secret is stored as is, not encrypted: anyone who can read this table (database
    access, backups) can generate codes, so protect database and backups like the password hashes.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device", verbose_name="用户")
    secret = models.CharField("密钥（base32）", max_length=64)
    confirmed = models.BooleanField("已确认", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    # The time step of the last accepted code: a code is never accepted twice.
    last_step = models.BigIntegerField("最近使用的时间片", default=0)

    class Meta:
        verbose_name = "动态口令设备"
        verbose_name_plural = "动态口令设备"

    def __str__(self) -> str:
        return f"{self.user.username}（{'已启用' if self.confirmed else '未确认'}）"


class AccessRequest(models.Model):
    """A requested grant or change of a user's role, region or active flag (三员分立).

    The system administrator asks; a security administrator other than the requester (and other than
    the user concerned) approves, and only then is the user's row changed (accounts.services). The
    ``*_before`` fields are the user's row when the request was made: an approval is refused if the
    row has changed since, so nobody approves something other than what they were shown.
    """

    PENDING, APPROVED, REJECTED, SUPERSEDED = "pending", "approved", "rejected", "superseded"
    STATUS_LABELS = {PENDING: "待审批", APPROVED: "已批准", REJECTED: "已驳回", SUPERSEDED: "已被新申请取代"}

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.PROTECT, related_name="access_requests")
    requested_by = models.ForeignKey(
        User, verbose_name="申请人", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    requested_ip = models.GenericIPAddressField("申请人地址", null=True, blank=True)
    new_user = models.BooleanField("新建用户", default=False)
    role_before = models.CharField("原角色", max_length=32, choices=roles.ROLE_CHOICES)
    region_before = models.CharField("原所属区划", max_length=12)
    active_before = models.BooleanField("原启用状态")
    role = models.CharField("申请角色", max_length=32, choices=roles.ROLE_CHOICES)
    region = models.ForeignKey(
        "regions.Region", verbose_name="申请所属区划", on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField("申请启用状态", default=True)
    status = models.CharField(
        "状态", max_length=16, choices=list(STATUS_LABELS.items()), default=PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        User, verbose_name="审批人", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_ip = models.GenericIPAddressField("审批人地址", null=True, blank=True)

    class Meta:
        verbose_name = "角色/辖区变更申请"
        verbose_name_plural = "角色/辖区变更申请"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="accounts_one_pending_access_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.username}：{self.summary()}"

    @property
    def before(self) -> dict:
        return {"role": self.role_before, "region": self.region_before, "active": self.active_before}

    @property
    def after(self) -> dict:
        return {"role": self.role, "region": self.region_id, "active": self.active}

    def summary(self) -> str:
        """What changes, in words (role labels, region codes, active flag)."""
        parts = []
        if self.new_user:
            parts.append(f"新建用户：{roles.label(self.role)}，{self.region_id}")
        else:
            if self.role_before != self.role:
                parts.append(f"角色 {roles.label(self.role_before)} → {roles.label(self.role)}")
            if self.region_before != self.region_id:
                parts.append(f"区划 {self.region_before} → {self.region_id}")
            if self.active_before != self.active:
                parts.append("启用" if self.active else "停用")
        return "；".join(parts) or "无变化"

ENROL_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone
ENROL_CODE_LENGTH = 12  # about 59 bits


def normalise_enrol_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:64]


class TOTPEnrolmentCode(models.Model):
    """A one-time code an administrator gives a user out of band (in person, by phone) to bind an
    authenticator (M7): shown once at issue, only its SHA-256 stored, expires, used once."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="totp_enrolment_codes", verbose_name="用户"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="签发人"
    )
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "动态口令绑定码"
        verbose_name_plural = "动态口令绑定码"

    def __str__(self) -> str:
        return f"{self.user.username}（{'已使用' if self.used_at else '未使用'}）"

    @staticmethod
    def new_raw() -> str:
        raw = "".join(secrets.choice(ENROL_CODE_ALPHABET) for _ in range(ENROL_CODE_LENGTH))
        return "-".join(raw[i : i + 4] for i in range(0, ENROL_CODE_LENGTH, 4))

    @staticmethod
    def hash(raw: str) -> str:
        return hash_token(normalise_enrol_code(raw))


class SignInFailure(models.Model):
    """One failed sign-in from a client address, kept for the address throttle's window only (L8)."""

    ip = models.GenericIPAddressField("客户端地址")
    at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "登录失败（按地址）"
        verbose_name_plural = "登录失败（按地址）"
        indexes = [models.Index(fields=["ip", "at"], name="accounts_signin_ip_at")]
