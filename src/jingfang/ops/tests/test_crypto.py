"""Encrypted backups (ops/crypto.py): round trip, and every kind of damage is refused in words."""

import io

import pytest

pytest.importorskip("cryptography")

from jingfang.ops import crypto  # noqa: E402

PASS = "correct horse battery staple"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(crypto, "CHUNK", 1000)
    monkeypatch.setattr(crypto, "LOG2_N", 10)  # a cheap key derivation for tests


def seal(data: bytes, passphrase: str = PASS) -> bytes:
    raw = io.BytesIO()
    writer = crypto.EncryptingWriter(raw, passphrase)
    for start in range(0, len(data), 777):
        writer.write(data[start:start + 777])
    writer.close()
    return raw.getvalue()


def unseal(blob: bytes, passphrase: str = PASS, step: int = 300) -> bytes:
    reader = crypto.DecryptingReader(io.BytesIO(blob), passphrase)
    out = bytearray()
    while block := reader.read(step):
        out += block
    return bytes(out)


def chunks(blob: bytes) -> list[tuple[int, int]]:
    """(offset, total length) of each chunk after the header."""
    out, at = [], crypto.HEADER.size
    while at < len(blob):
        length = int.from_bytes(blob[at + 1:at + 5], "big")
        out.append((at, 5 + length))
        at += 5 + length
    return out


@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 5500])
def test_round_trip_of_any_size(size):
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    blob = seal(data)
    assert blob.startswith(crypto.MAGIC)
    if size >= 50:
        assert data[:50] not in blob  # no plaintext in the file
    assert unseal(blob) == data
    assert unseal(blob, step=-1) == data


def test_the_same_data_never_encrypts_the_same_way():
    assert seal(b"x" * 100) != seal(b"x" * 100)


def test_wrong_passphrase_is_named():
    with pytest.raises(crypto.CryptoError, match="口令错误"):
        unseal(seal(b"data" * 500), "another long passphrase")


def test_short_passphrase_is_refused():
    with pytest.raises(crypto.CryptoError, match="至少12个字符"):
        seal(b"data", "short")


def damaged(blob: bytes, how: str) -> bytes:
    parts = chunks(blob)
    if how == "flip":
        at = parts[1][0] + 20
        return blob[:at] + bytes([blob[at] ^ 1]) + blob[at + 1:]
    if how == "truncate":  # drop the final chunk: looks like a complete stream of full chunks
        return blob[:parts[-1][0]]
    if how == "reorder":
        (a, la), (b, lb) = parts[0], parts[1]
        return blob[:a] + blob[b:b + lb] + blob[a:a + la] + blob[b + lb:]
    if how == "append":
        return blob + b"more"
    if how == "header":
        return blob[:10] + bytes([blob[10] ^ 1]) + blob[11:]
    raise AssertionError(how)


@pytest.mark.parametrize(("how", "message"), [
    ("flip", "第2个数据块校验失败"),
    ("truncate", "文件被截断"),
    ("reorder", "口令错误，或文件已损坏"),
    ("append", "结尾之后还有多余数据"),
    ("header", "口令错误，或文件已损坏"),
])
def test_damage_is_refused(how, message):
    blob = seal(bytes(range(256)) * 20)
    with pytest.raises(crypto.CryptoError, match=message):
        unseal(damaged(blob, how))
