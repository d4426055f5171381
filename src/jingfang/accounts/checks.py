"""Deploy checks (`jingfang check --deploy`): no demo logins and no development key in production."""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError


@register(Tags.security, deploy=True)
def demo_users_with_demo_password(app_configs=None, **kwargs):
    from jingfang.demo.accounts import DEMO_PASSWORD, DEMO_USERS

    from .models import User

    try:
        rows = list(
            User.objects.filter(username__in=[u[0] for u in DEMO_USERS], is_active=True).values_list(
                "username", "password"
            )
        )
    except DatabaseError as exc:  # no database, or not migrated yet
        return [
            Warning(
                f"无法检查演示账号（数据库不可用或尚未迁移：{type(exc).__name__}）",
                hint="执行 jingfang migrate 后再运行 jingfang check --deploy。",
                id="accounts.W001",
            )
        ]
    verdicts: dict[str, bool] = {}  # demo users share one hash: check each distinct hash once
    found = []
    for username, encoded in rows:
        if encoded not in verdicts:
            verdicts[encoded] = check_password(DEMO_PASSWORD, encoded)  # no setter: never rehashes
        if verdicts[encoded]:
            found.append(username)
    if not found:
        return []
    return [
        Error(
            f"演示账号仍使用公开的演示密码：{'、'.join(sorted(found))}",
            hint="生产系统不得保留演示账号：在管理后台停用或删除这些账号，或为其设置新密码；切勿在真实数据系统中加载演示数据。",
            id="accounts.E001",
        )
    ]


@register(Tags.security, deploy=True)
def development_secret_key(app_configs=None, **kwargs):
    if settings.SECRET_KEY == getattr(settings, "DEV_SECRET_KEY", None):
        return [
            Error(
                "SECRET_KEY 仍是公开的开发密钥",
                hint="设置环境变量 JINGFANG_SECRET_KEY 为足够长的随机字符串（例如 python -c 'import secrets; print(secrets.token_urlsafe(50))'）。",
                id="accounts.E002",
            )
        ]
    return []
