"""Encryption at rest of identifiers (ID numbers, phones) and keyed blind indexes for exact lookup.

- A value is encrypted with AES-256-GCM under the *current* field key and stored as
  ``v1:<key id>:<base64(nonce | ciphertext | tag)>``; it decrypts with whichever configured key the
  id names, so old keys keep working until ``jingfang rotate_keys`` has re-encrypted everything.
- A blind index is HMAC-SHA256(index key, purpose NUL normalised value), hex: equal for equal
  normalised input, unrelated to the value without the key. Exact lookups and duplicate checks
  compare indexes (see core/fields.py); during an index-key rotation lookups try the old key too.

Keys, separate from Django's SECRET_KEY, each 32 random bytes in base64:

- ``JINGFANG_FIELD_KEYS``   ``k2=<key>,k1=<key>``: the first encrypts, all decrypt.
- ``JINGFANG_INDEX_KEY``    the blind-index key; ``JINGFANG_INDEX_KEY_OLD`` the previous one while
                            rotating.
- or ``JINGFANG_KEY_FILE``  a TOML file with ``field_keys``, ``index_key``, ``index_key_old`` (same
                            formats); default ``$JINGFANG_VAR_DIR/keys.toml`` when it exists.
- ``JINGFANG_AUDIT_KEY``   the key of the audit hash chains and their checkpoints (HMAC-SHA256, see
                            audit/chain.py); or ``audit_key`` in the key file. Never rotated: rows and
                            checkpoints written under it are verified with it for as long as they are kept.
- With none of these and ``JINGFANG_DEV_KEYS`` on (the default under debug), ``keys.toml`` is
  generated in the var directory (mode 0600) and marked as development keys, which
  ``jingfang check --deploy`` refuses (core.E002).

``encrypt``, ``decrypt`` and ``blind_index`` are plain functions so that bulk loaders can call them
directly; the AES-GCM object of each key and the HMAC state of each purpose are built once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from . import idnumber

VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32
PURPOSES = ("id_number", "phone", "paper_code")
KEY_FILE_NAME = "keys.toml"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_SETTINGS = {"JINGFANG_FIELD_KEYS", "JINGFANG_INDEX_KEY", "JINGFANG_INDEX_KEY_OLD", "JINGFANG_KEY_FILE",
             "JINGFANG_DEV_KEYS", "VAR_DIR", "JINGFANG_AUDIT_KEY"}


class KeyConfigError(ImproperlyConfigured):
    """The keys are missing or malformed; the message says which and how to fix it (in Chinese)."""


class DecryptionError(ValueError):
    """A stored value cannot be decrypted: unknown key id, wrong key, or not an encrypted value."""


@dataclass(frozen=True)
class Keyring:
    current: str  # id of the field key that encrypts
    field_keys: dict[str, bytes]  # id -> key, in configured order
    index_key: bytes
    index_key_old: bytes | None = None
    source: str = ""  # "环境变量" or the key file's path
    generated: bool = False  # development keys generated on this machine
    aead: dict[str, AESGCM] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        for kid, key in self.field_keys.items():
            self.aead[kid] = AESGCM(key)

    @property
    def index_keys(self) -> tuple[bytes, ...]:
        return (self.index_key,) if self.index_key_old is None else (self.index_key, self.index_key_old)


# --- key parsing ------------------------------------------------------------------------------------


def generate_key() -> str:
    """A fresh random key, base64 (for JINGFANG_FIELD_KEYS / JINGFANG_INDEX_KEY)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def _decode_key(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise KeyConfigError(f"{what} 不是32字节随机数的 base64 编码（可用 jingfang rotate_keys --new-key 生成）")
    return raw


def parse_field_keys(text: str) -> dict[str, bytes]:
    """``k2=<base64>,k1=<base64>`` -> {"k2": b"…", "k1": b"…"} (first is current)."""
    keys: dict[str, bytes] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        kid, sep, value = item.strip().partition("=")
        kid = kid.strip()
        if not sep or not _KEY_ID.match(kid):
            raise KeyConfigError(f"字段密钥“{kid[:16]}…”格式应为 编号=base64密钥，编号为1-16位字母、数字、-或_")
        if kid in keys:
            raise KeyConfigError(f"字段密钥编号 {kid} 重复")
        keys[kid] = _decode_key(value, f"字段密钥 {kid}")
    return keys


def _from_values(field_keys: str, index_key: str, index_key_old: str, source: str, generated=False) -> Keyring:
    keys = parse_field_keys(field_keys)
    if not keys:
        raise KeyConfigError(f"{source}：未配置字段加密密钥（field_keys / JINGFANG_FIELD_KEYS）")
    if not (index_key or "").strip():
        raise KeyConfigError(f"{source}：未配置盲索引密钥（index_key / JINGFANG_INDEX_KEY）")
    old = _decode_key(index_key_old, "旧盲索引密钥") if (index_key_old or "").strip() else None
    return Keyring(current=next(iter(keys)), field_keys=keys, index_key=_decode_key(index_key, "盲索引密钥"),
                   index_key_old=old, source=source, generated=generated)


def read_key_file(path: Path) -> Keyring:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KeyConfigError(f"无法读取密钥文件 {path}：{exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise KeyConfigError(f"密钥文件 {path} 不是有效的 TOML：{exc}") from None
    return _from_values(str(data.get("field_keys", "")), str(data.get("index_key", "")),
                        str(data.get("index_key_old", "")), str(path), generated=bool(data.get("generated")))


def write_dev_key_file(path: Path) -> None:
    """Generate development keys (mode 0600); refused by `jingfang check --deploy`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# Development keys generated by jingfang (debug mode). Never use them with real data:\n"
        "# `jingfang check --deploy` refuses them. See README, configuration.\n"
        "generated = true\n"
        f'field_keys = "dev1={generate_key()}"\n'
        f'index_key = "{generate_key()}"\n'
        f'audit_key = "{generate_key()}"\n'
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def default_key_file() -> Path:
    return Path(settings.VAR_DIR) / KEY_FILE_NAME


def load_keyring() -> Keyring:
    """The configured keys: environment first, then the key file, then (debug only) generated ones."""
    field_keys = getattr(settings, "JINGFANG_FIELD_KEYS", "")
    if field_keys:
        return _from_values(field_keys, getattr(settings, "JINGFANG_INDEX_KEY", ""),
                            getattr(settings, "JINGFANG_INDEX_KEY_OLD", ""), "环境变量")
    configured = getattr(settings, "JINGFANG_KEY_FILE", "")
    if configured:
        return read_key_file(Path(configured))
    path = default_key_file()
    if path.exists():
        return read_key_file(path)
    if getattr(settings, "JINGFANG_DEV_KEYS", False):
        try:
            write_dev_key_file(path)
        except FileExistsError:  # another process generated it first
            pass
        return read_key_file(path)
    raise KeyConfigError(
        "未配置字段加密密钥：请设置 JINGFANG_FIELD_KEYS 与 JINGFANG_INDEX_KEY，或 JINGFANG_KEY_FILE"
        f"（或在 {path} 放置密钥文件）。生成密钥：jingfang rotate_keys --new-key"
    )


@lru_cache(maxsize=1)
def keyring() -> Keyring:
    return load_keyring()


@dataclass(frozen=True)
class AuditKey:
    key: bytes = field(repr=False)
    source: str = ""
    generated: bool = False


def _add_dev_audit_key(path: Path) -> None:
    """A development key file generated before there was an audit key gets one appended (locked, once)."""
    import fcntl

    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        if "audit_key" not in tomllib.loads(fh.read()):
            fh.write(f'audit_key = "{generate_key()}"\n')


def load_audit_key() -> AuditKey:
    """The audit chain key: JINGFANG_AUDIT_KEY, else ``audit_key`` of the key file (JINGFANG_KEY_FILE or
    VAR_DIR/keys.toml); a generated development key file gets one added."""
    text = (getattr(settings, "JINGFANG_AUDIT_KEY", "") or "").strip()
    if text:
        return AuditKey(_decode_key(text, "审计链密钥 JINGFANG_AUDIT_KEY"), "环境变量")
    configured = getattr(settings, "JINGFANG_KEY_FILE", "")
    path = Path(configured) if configured else default_key_file()
    if not configured and not path.exists() and getattr(settings, "JINGFANG_DEV_KEYS", False):
        try:
            write_dev_key_file(path)  # the development key file, audit key included
        except FileExistsError:  # another process generated it first
            pass
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise KeyConfigError(f"无法读取密钥文件 {path}：{exc}") from None
        if not str(data.get("audit_key", "")).strip() and data.get("generated") and not configured:
            _add_dev_audit_key(path)
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        if str(data.get("audit_key", "")).strip():
            return AuditKey(_decode_key(str(data["audit_key"]), f"密钥文件 {path} 的 audit_key"), str(path),
                            generated=bool(data.get("generated")))
    raise KeyConfigError(
        "未配置审计链密钥：请设置 JINGFANG_AUDIT_KEY，或在密钥文件（JINGFANG_KEY_FILE，默认 "
        f"{default_key_file()}）中加入 audit_key。生成密钥：jingfang rotate_keys --new-key"
    )


@lru_cache(maxsize=1)
def audit_key() -> AuditKey:
    return load_audit_key()


def reset() -> None:
    """Forget the loaded keys (after settings or the key file changed)."""
    keyring.cache_clear()
    audit_key.cache_clear()
    _index_state.cache_clear()


@receiver(setting_changed)
def _settings_changed(setting, **kwargs):
    if setting in _SETTINGS:
        reset()


# --- encryption -------------------------------------------------------------------------------------


def is_encrypted(value) -> bool:
    return isinstance(value, str) and value.startswith(VERSION + ":")


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1] if is_encrypted(token) else ""


def encrypt(plaintext: str, ring: Keyring | None = None) -> str:
    """Encrypt with the current field key. Empty text stays empty (nothing to hide, nothing to index)."""
    if plaintext is None or plaintext == "":
        return plaintext
    ring = ring or keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.aead[ring.current].encrypt(nonce, plaintext.encode("utf-8"), None)
    return f"{VERSION}:{ring.current}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str, ring: Keyring | None = None) -> str:
    if token is None or token == "":
        return token
    if not is_encrypted(token):
        raise DecryptionError("数据库中的值不是加密格式（未执行加密迁移，或数据被直接写入）")
    ring = ring or keyring()
    _, kid, body = token.split(":", 2)
    aead = ring.aead.get(kid)
    if aead is None:
        raise DecryptionError(f"数据由字段密钥 {kid} 加密，但未配置此密钥（JINGFANG_FIELD_KEYS 或密钥文件）")
    try:
        raw = base64.b64decode(body, validate=True)
        return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode("utf-8")
    except (InvalidTag, binascii.Error, ValueError):
        raise DecryptionError(f"解密失败：字段密钥 {kid} 与数据不符（密钥被替换或数据被篡改）") from None


# --- blind index ------------------------------------------------------------------------------------


def normalize(value: str, purpose: str) -> str:
    """The form compared by the blind index: ID numbers as `core.idnumber.normalize` (full-width
    digits folded, upper-case X, no spaces); phones as digits only, without a +86/0086 prefix; paper
    form codes upper-case without spaces or hyphens."""
    value = value or ""
    if purpose == "id_number":
        return idnumber.normalize(value)
    if purpose == "phone":
        digits = value if value.isascii() and value.isdigit() else re.sub(r"\D", "", unicodedata.normalize("NFKC", value))
        for prefix in ("0086", "86"):
            if digits.startswith(prefix) and len(digits) == len(prefix) + 11 and digits[len(prefix)] == "1":
                return digits[len(prefix):]
        return digits
    if purpose == "paper_code":  # the code of a paper follow-up form (offline/paper_code.py)
        return re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value)).upper()
    raise ValueError(f"unknown blind-index purpose {purpose!r}")


@lru_cache(maxsize=16)
def _index_state(key: bytes, purpose: str):
    return hmac.new(key, purpose.encode("ascii") + b"\x00", hashlib.sha256)


def _digest(key: bytes, purpose: str, normalised: str) -> str:
    h = _index_state(key, purpose).copy()
    h.update(normalised.encode("utf-8"))
    return h.hexdigest()


def blind_index(value: str, purpose: str, ring: Keyring | None = None) -> str | None:
    """The blind index under the current index key; None for an empty value."""
    normalised = normalize(value, purpose)
    if not normalised:
        return None
    return _digest((ring or keyring()).index_key, purpose, normalised)


def blind_indexes(value: str, purpose: str, ring: Keyring | None = None) -> list[str]:
    """Every index the value may be stored under (current key, and the old one during a rotation)."""
    normalised = normalize(value, purpose)
    if not normalised:
        return []
    return [_digest(key, purpose, normalised) for key in (ring or keyring()).index_keys]
