"""Optional encryption of backup files: AES-256-GCM in 1 MiB chunks, key from a passphrase by scrypt.

Layout: header (magic, salt, scrypt cost, 7-byte nonce prefix), then chunks of
``final flag (1) | length (4, big-endian) | ciphertext+tag``. Each chunk's nonce is the prefix, the
chunk's number and the final flag, and the header is authenticated with every chunk, so a changed,
reordered, dropped or truncated chunk fails to decrypt (the "STREAM" construction). Streaming keeps a
large database out of memory. Needs the ``cryptography`` package.
"""

import os
import struct

MAGIC = b"JFBKENC1"
CHUNK = 1024 * 1024
SALT_BYTES = 16
PREFIX_BYTES = 7
LOG2_N, R, P = 15, 8, 1
HEADER = struct.Struct(f">8s{SALT_BYTES}sBBB{PREFIX_BYTES}s")
MIN_PASSPHRASE = 12


class CryptoError(Exception):
    """A Chinese message for the operator: wrong passphrase, damaged file or missing package."""


def _primitives():
    try:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
    except ImportError as exc:
        raise CryptoError("加密备份需要 cryptography 软件包：请先安装（pip install cryptography）") from exc
    return AESGCM, Scrypt, InvalidTag


def check_passphrase(passphrase: str | None) -> str:
    if not passphrase or len(passphrase) < MIN_PASSPHRASE:
        raise CryptoError(f"加密口令至少{MIN_PASSPHRASE}个字符（用 --passphrase-file 或环境变量 JINGFANG_BACKUP_PASSPHRASE 提供）")
    return passphrase


def _key(passphrase: str, salt: bytes, log2n: int, r: int, p: int) -> bytes:
    _, Scrypt, _ = _primitives()
    if not (10 <= log2n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
        raise CryptoError("加密备份的文件头无效：文件已损坏或不是 jingfang 备份")
    return Scrypt(salt=salt, length=32, n=2**log2n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if final else b"\x00")


def is_encrypted(path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


class EncryptingWriter:
    """A write-only file object: plaintext in, encrypted chunks out to ``raw``. Call close() to finish."""

    def __init__(self, raw, passphrase: str):
        AESGCM, _, _ = _primitives()
        salt, prefix = os.urandom(SALT_BYTES), os.urandom(PREFIX_BYTES)
        self.header = HEADER.pack(MAGIC, salt, LOG2_N, R, P, prefix)
        self.aead = AESGCM(_key(check_passphrase(passphrase), salt, LOG2_N, R, P))
        self.prefix, self.raw, self.index, self.buffer, self.closed = prefix, raw, 0, bytearray(), False
        raw.write(self.header)

    def _emit(self, data: bytes, final: bool) -> None:
        sealed = self.aead.encrypt(_nonce(self.prefix, self.index, final), data, self.header)
        self.raw.write((b"\x01" if final else b"\x00") + struct.pack(">I", len(sealed)) + sealed)
        self.index += 1

    def write(self, data) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:
            self._emit(bytes(self.buffer[:CHUNK]), final=False)
            del self.buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self.buffer), final=True)
            self.buffer.clear()
            self.closed = True


class DecryptingReader:
    """A read-only file object over an encrypted backup; raises CryptoError on any damage."""

    def __init__(self, raw, passphrase: str):
        AESGCM, _, self.InvalidTag = _primitives()
        self.header = raw.read(HEADER.size)
        if len(self.header) != HEADER.size:
            raise CryptoError("加密备份不完整：文件头被截断")
        magic, salt, log2n, r, p, self.prefix = HEADER.unpack(self.header)
        if magic != MAGIC:
            raise CryptoError("不是加密的 jingfang 备份文件")
        self.aead = AESGCM(_key(check_passphrase(passphrase), salt, log2n, r, p))
        self.raw, self.index, self.buffer, self.done = raw, 0, bytearray(), False

    def _next_chunk(self) -> None:
        head = self.raw.read(5)
        if len(head) < 5:
            raise CryptoError("加密备份不完整：文件被截断（缺少结尾数据块）")
        final, length = head[0] == 1, struct.unpack(">I", head[1:])[0]
        if length > CHUNK + 16 or head[0] > 1:
            raise CryptoError(f"加密备份第{self.index + 1}个数据块无效：文件已损坏")
        sealed = self.raw.read(length)
        try:
            plain = self.aead.decrypt(_nonce(self.prefix, self.index, final), sealed, self.header)
        except self.InvalidTag:
            if self.index == 0:
                raise CryptoError("无法解密备份：口令错误，或文件已损坏、被篡改") from None
            raise CryptoError(f"加密备份第{self.index + 1}个数据块校验失败：文件已损坏或被篡改") from None
        self.index += 1
        self.buffer += plain
        if final:
            if self.raw.read(1):
                raise CryptoError("加密备份结尾之后还有多余数据：文件已被改动")
            self.done = True

    def read(self, size: int = -1) -> bytes:
        while not self.done and (size < 0 or len(self.buffer) < size):
            self._next_chunk()
        if size < 0:
            size = len(self.buffer)
        out = bytes(self.buffer[:size])
        del self.buffer[:size]
        return out
