"""Field encryption and blind indexes (core/crypto.py): round trips, wrong keys, index properties,
key configuration. Pure: no database."""

import base64
import os
import stat

import pytest

from jingfang.core import crypto

K1, K2, K3 = (base64.b64encode(bytes([i]) * 32).decode() for i in (1, 2, 3))
ID = "990102198005170012"


def ring(field_keys=f"a={K1}", index_key=K2, index_key_old=""):
    return crypto._from_values(field_keys, index_key, index_key_old, "测试")


@pytest.mark.parametrize("text", ["990102198005170012", "13800001234", "0571-88886666", "王某 ☎ 138", "x" * 200])
def test_round_trip(text):
    r = ring()
    token = crypto.encrypt(text, r)
    assert token.startswith("v1:a:") and text not in token
    assert crypto.decrypt(token, r) == text


def test_same_value_encrypts_differently_each_time():
    r = ring()
    assert crypto.encrypt(ID, r) != crypto.encrypt(ID, r)


@pytest.mark.parametrize("empty", ["", None])
def test_empty_stays_empty(empty):
    assert crypto.encrypt(empty, ring()) == empty
    assert crypto.decrypt(empty, ring()) == empty


def test_encrypts_with_the_first_key_and_decrypts_with_any_configured():
    old, new = ring(f"a={K1}"), ring(f"b={K3},a={K1}")
    token = crypto.encrypt(ID, old)
    assert crypto.key_id_of(token) == "a"
    assert crypto.decrypt(token, new) == ID
    assert crypto.key_id_of(crypto.encrypt(ID, new)) == "b"


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda t: t.replace("v1:a:", "v1:zz:"), "数据由字段密钥 zz 加密，但未配置此密钥"),
        (lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"), "解密失败：字段密钥 a 与数据不符"),
        (lambda t: "990102198005170012", "不是加密格式"),
        (lambda t: "v1:a:%%%", "解密失败"),
    ],
)
def test_undecryptable_values_fail_with_a_clear_error(tamper, message):
    token = crypto.encrypt(ID, ring())
    with pytest.raises(crypto.DecryptionError, match=message):
        crypto.decrypt(tamper(token), ring())


def test_wrong_key_under_the_same_id_fails_clearly():
    token = crypto.encrypt(ID, ring(f"a={K1}"))
    with pytest.raises(crypto.DecryptionError, match="字段密钥 a 与数据不符"):
        crypto.decrypt(token, ring(f"a={K3}"))


# Normalisation before indexing: ID numbers as core.idnumber.normalize, phones digits only.
@pytest.mark.parametrize(
    "purpose, a, b",
    [
        ("id_number", "99010219800517001x", "99010219800517001X"),
        ("id_number", " 990102 19800517001X ", "99010219800517001X"),
        ("id_number", "９９０１０２１９８００５１７００１Ｘ", "99010219800517001X"),
        ("phone", "138 0000 1234", "13800001234"),
        ("phone", "138-0000-1234", "13800001234"),
        ("phone", "+86 138 0000 1234", "13800001234"),
        ("phone", "0086 13800001234", "13800001234"),
        ("phone", "１３８００００１２３４", "13800001234"),
        ("phone", "0571-88886666", "057188886666"),
    ],
)
def test_blind_index_equal_for_equal_normalised_input(purpose, a, b):
    r = ring()
    assert crypto.blind_index(a, purpose, r) == crypto.blind_index(b, purpose, r)
    assert len(crypto.blind_index(a, purpose, r)) == 64


@pytest.mark.parametrize(
    "purpose, a, b",
    [
        ("id_number", "990102198005170012", "990102198005170020"),
        ("phone", "13800001234", "13800001235"),
        ("phone", "057188886666", "88886666"),
    ],
)
def test_blind_index_differs_for_different_input(purpose, a, b):
    r = ring()
    assert crypto.blind_index(a, purpose, r) != crypto.blind_index(b, purpose, r)


def test_blind_index_depends_on_the_key_and_the_purpose():
    assert crypto.blind_index(ID, "id_number", ring(index_key=K2)) != crypto.blind_index(ID, "id_number", ring(index_key=K3))
    assert crypto.blind_index("13800001234", "phone", ring()) != crypto.blind_index("13800001234", "id_number", ring())
    assert ID not in crypto.blind_index(ID, "id_number", ring())


def test_blank_values_have_no_index():
    assert crypto.blind_index("", "phone", ring()) is None
    assert crypto.blind_index(" - ", "phone", ring()) is None
    assert crypto.blind_indexes("", "phone", ring()) == []


def test_lookups_try_the_old_index_key_during_a_rotation():
    r = ring(index_key=K3, index_key_old=K2)
    assert crypto.blind_indexes(ID, "id_number", r) == [
        crypto.blind_index(ID, "id_number", ring(index_key=K3)),
        crypto.blind_index(ID, "id_number", ring(index_key=K2)),
    ]


@pytest.mark.parametrize(
    "field_keys, index_key, message",
    [
        ("", K2, "未配置字段加密密钥"),
        (f"a={K1}", "", "未配置盲索引密钥"),
        ("a=abc", K2, "字段密钥 a 不是32字节随机数的 base64 编码"),
        (f"a={base64.b64encode(b'short').decode()}", K2, "字段密钥 a 不是32字节"),
        (K1, K2, "格式应为 编号=base64密钥"),
        (f"a:b={K1}", K2, "格式应为 编号=base64密钥"),
        (f"a={K1},a={K3}", K2, "字段密钥编号 a 重复"),
        (f"a={K1}", "not base64!", "盲索引密钥 不是32字节"),
    ],
)
def test_malformed_keys_are_refused_with_the_reason(field_keys, index_key, message):
    with pytest.raises(crypto.KeyConfigError, match=message):
        ring(field_keys, index_key)


def test_keys_from_settings_then_file_then_generated_in_debug(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.JINGFANG_FIELD_KEYS, settings.JINGFANG_INDEX_KEY = f"e={K1}", K2
    assert crypto.keyring().current == "e" and crypto.keyring().source == "环境变量"

    settings.JINGFANG_FIELD_KEYS = ""
    key_file = tmp_path / "prod.toml"
    key_file.write_text(f'field_keys = "f2={K3},f1={K1}"\nindex_key = "{K2}"\nindex_key_old = "{K1}"\n')
    settings.JINGFANG_KEY_FILE = str(key_file)
    loaded = crypto.keyring()
    assert (loaded.current, list(loaded.field_keys), loaded.generated) == ("f2", ["f2", "f1"], False)
    assert loaded.index_key_old == bytes([1]) * 32

    settings.JINGFANG_KEY_FILE = ""
    settings.JINGFANG_DEV_KEYS = False
    with pytest.raises(crypto.KeyConfigError, match="未配置字段加密密钥：请设置 JINGFANG_FIELD_KEYS"):
        crypto.keyring()

    settings.JINGFANG_DEV_KEYS = True
    generated = crypto.keyring()
    path = tmp_path / "keys.toml"
    assert generated.generated and generated.source == str(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    crypto.reset()
    assert crypto.keyring().field_keys == generated.field_keys  # generated once, then read back


def test_unreadable_key_file_is_named(settings, tmp_path):
    settings.JINGFANG_FIELD_KEYS = ""
    settings.JINGFANG_KEY_FILE = str(tmp_path / "missing.toml")
    with pytest.raises(crypto.KeyConfigError, match="无法读取密钥文件 .*missing.toml"):
        crypto.keyring()
    (tmp_path / "bad.toml").write_text("field_keys = [")
    settings.JINGFANG_KEY_FILE = str(tmp_path / "bad.toml")
    with pytest.raises(crypto.KeyConfigError, match="不是有效的 TOML"):
        crypto.keyring()


def test_generated_key_is_32_random_bytes():
    a, b = crypto.generate_key(), crypto.generate_key()
    assert a != b and len(base64.b64decode(a)) == 32
