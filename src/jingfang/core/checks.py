"""Deploy checks for the field-encryption keys (`jingfang check --deploy`, core/crypto.py)."""

import base64
import stat
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from . import crypto

HINT = "生成密钥：jingfang rotate_keys --new-key；设置 JINGFANG_FIELD_KEYS 与 JINGFANG_INDEX_KEY（或 JINGFANG_KEY_FILE），见 README“配置”。"


@register(Tags.security, deploy=True)
def field_keys(app_configs=None, **kwargs):
    try:
        ring = crypto.load_keyring()  # not the cached one: the check looks at the configuration as it is now
    except crypto.KeyConfigError as exc:
        return [Error(f"字段加密密钥配置有误：{exc}", hint=HINT, id="core.E001")]
    problems = []
    if ring.generated:
        problems.append(Error(
            f"正在使用自动生成的开发密钥（{ring.source}）加密证件号和电话",
            hint="生产系统须使用单独生成并妥善备份的密钥：" + HINT, id="core.E002",
        ))
    secret = settings.SECRET_KEY
    if any(key == secret.encode() or base64.b64encode(key).decode() == secret
           for key in (*ring.field_keys.values(), *ring.index_keys)):
        problems.append(Error(
            "字段加密密钥或盲索引密钥与 SECRET_KEY 相同", hint="这些密钥须彼此独立：" + HINT, id="core.E003",
        ))
    if ring.index_key in ring.field_keys.values():
        problems.append(Error("盲索引密钥与字段加密密钥相同", hint="这些密钥须彼此独立：" + HINT, id="core.E004"))
    if ring.index_key_old is not None:
        problems.append(Warning(
            "仍配置了旧盲索引密钥 JINGFANG_INDEX_KEY_OLD",
            hint="执行 jingfang rotate_keys 后移除 JINGFANG_INDEX_KEY_OLD。", id="core.W001",
        ))
    path = Path(ring.source)
    if path.is_file() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        problems.append(Warning(
            f"密钥文件 {path} 可被其他用户读取", hint=f"chmod 600 {path}", id="core.W002",
        ))
    return problems



AUDIT_HINT = ("生成密钥：jingfang rotate_keys --new-key；设置 JINGFANG_AUDIT_KEY（或密钥文件中的 audit_key），"
              "与数据库分开保存并单独备份，见 README“配置”和 docs/deployment.md。")


@register(Tags.security, deploy=True)
def audit_key(app_configs=None, **kwargs):
    """The audit chain key (audit/chain.py): present, not generated, independent of the other keys."""
    try:
        key = crypto.load_audit_key()
    except crypto.KeyConfigError as exc:
        return [Error(f"审计链密钥配置有误：{exc}", hint=AUDIT_HINT, id="core.E005")]
    problems = []
    if key.generated:
        problems.append(Error(f"审计链正在使用自动生成的开发密钥（{key.source}）", hint=AUDIT_HINT, id="core.E006"))
    others = [settings.SECRET_KEY.encode()]
    try:
        ring = crypto.load_keyring()
        others += [*ring.field_keys.values(), *ring.index_keys]
    except crypto.KeyConfigError:
        pass  # reported by field_keys
    if key.key in others or base64.b64encode(key.key).decode() == settings.SECRET_KEY:
        problems.append(Error("审计链密钥与 SECRET_KEY 或字段加密/盲索引密钥相同",
                              hint="这些密钥须彼此独立：" + AUDIT_HINT, id="core.E007"))
    return problems
