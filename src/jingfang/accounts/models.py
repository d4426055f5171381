import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from . import roles


class User(AbstractUser):
    """A person who uses jingfang: one role, bound to one region, sees nothing outside it."""

    role = models.CharField("角色", max_length=32, choices=roles.ROLE_CHOICES)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="users"
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

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
