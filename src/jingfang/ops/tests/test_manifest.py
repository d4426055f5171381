"""Checksums are computed from raw values the same way on both databases (ops/manifest.py)."""

import datetime as dt
import decimal
import ipaddress
import uuid

import pytest

from jingfang.ops import manifest
from jingfang.ops.manifest import Column, TableSpec

UTC8 = dt.timezone(dt.timedelta(hours=8))

# (column, raw value as sqlite3 returns it, raw value as psycopg returns it, canonical form)
SAME_ON_BOTH = [
    (Column("n", "int"), 42, 42, 42),
    (Column("b", "bool"), 1, True, True),
    (Column("b", "bool"), 0, False, False),
    (Column("at", "datetime"), "2026-01-02 03:04:05.123456", dt.datetime(2026, 1, 2, 11, 4, 5, 123456, UTC8),
     "2026-01-02T03:04:05.123456Z"),
    (Column("at", "datetime"), "2026-01-02 03:04:05", dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
     "2026-01-02T03:04:05.000000Z"),
    (Column("d", "date"), "2026-02-28", dt.date(2026, 2, 28), "2026-02-28"),
    (Column("t", "time"), "08:30:00", dt.time(8, 30), "08:30:00.000000"),
    (Column("amount", "decimal", 2), 200, decimal.Decimal("200.00"), "200.00"),
    (Column("amount", "decimal", 2), 12.5, decimal.Decimal("12.50"), "12.50"),
    (Column("x", "float"), 0.1, 0.1, "0.1"),
    (Column("detail", "json"), '{"b": 1.0, "a": [1, 2]}', {"a": [1, 2], "b": 1}, {"a": [1, 2], "b": 1}),
    (Column("u", "uuid"), "12345678123456781234567812345678",
     uuid.UUID("12345678-1234-5678-1234-567812345678"), "12345678123456781234567812345678"),
    (Column("blob", "binary"), b"\x00\xff", memoryview(b"\x00\xff"), "00ff"),
    (Column("dur", "duration"), 90_000_000, dt.timedelta(seconds=90), 90_000_000),
    (Column("ip"), "10.0.0.1", ipaddress.ip_address("10.0.0.1"), "10.0.0.1"),
    # an encrypted column is hashed as stored: ciphertext text, never decoded
    (Column("id_number"), "v1:test1:AbC+/=", "v1:test1:AbC+/=", "v1:test1:AbC+/="),
    (Column("name"), "王测试", "王测试", "王测试"),
    (Column("maybe", "date"), None, None, None),
]


@pytest.mark.parametrize(("column", "sqlite_raw", "pg_raw", "expected"), SAME_ON_BOTH)
def test_a_raw_value_reads_the_same_from_sqlite_and_postgresql(column, sqlite_raw, pg_raw, expected):
    assert manifest.canonical(column, sqlite_raw) == expected
    assert manifest.canonical(column, pg_raw) == expected


def test_row_lines_are_canonical_json_and_differ_when_a_value_does():
    spec = TableSpec("t", "id", (Column("id", "int"), Column("name"), Column("at", "datetime")))
    sqlite_line = manifest.row_line(spec, (1, "甲", "2026-01-02 03:04:05"))
    pg_line = manifest.row_line(spec, (1, "甲", dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)))
    assert sqlite_line == pg_line == '[1,"甲","2026-01-02T03:04:05.000000Z"]\n'.encode()
    assert manifest.row_line(spec, (1, "乙", "2026-01-02 03:04:05")) != sqlite_line


def test_text_keys_are_ordered_bytewise_on_postgresql():
    region = TableSpec("regions_region", "code", (Column("code"), Column("name")))
    assert manifest.select_sql(region, "postgresql").endswith('ORDER BY "code" COLLATE "C"')
    assert manifest.select_sql(region, "sqlite").endswith('ORDER BY "code"')
    numbered = TableSpec("t", "id", (Column("id", "int"),))
    assert manifest.select_sql(numbered, "postgresql").endswith('ORDER BY "id"')


def test_specs_cover_every_table_with_the_kind_of_each_column():
    specs = {s.table: s for s in manifest.specs_from_models()}
    assert {"audit_auditevent", "audit_chainhead", "registry_patient", "django_migrations",
            "accounts_user_groups", "django_session"} <= set(specs)
    audit = {c.name: c.kind for c in specs["audit_auditevent"].columns}
    assert audit["at"] == "datetime" and audit["detail"] == "json" and audit["seq"] == "int"
    patient = {c.name: c.kind for c in specs["registry_patient"].columns}
    assert patient["region_code"] == "text"  # a key to Region.code, typed like the code
    assert specs["registry_patient"].pk == "id"
    again = TableSpec.from_dict("registry_patient", specs["registry_patient"].as_dict())
    assert again == specs["registry_patient"]


def test_compare_names_each_table_that_differs():
    expected = {"a": {"rows": 2, "sha256": "x"}, "b": {"rows": 1, "sha256": "y"},
                "c": {"rows": 3, "sha256": "z"}, "d": {"rows": 1, "sha256": None}}
    actual = {"a": {"rows": 2, "sha256": "x"}, "b": {"rows": 1, "sha256": "DIFFERENT"},
              "d": {"rows": 1, "sha256": "anything"}, "e": {"rows": 5, "sha256": "q"}}
    assert manifest.compare(expected, actual) == [
        "表 b：校验和不符（行数同为1行，内容不同）",
        "表 c：清单中有3行，恢复后的数据库中缺少此表",
        "表 e：清单中没有，恢复后的数据库中却有（5行）",
    ]
    assert manifest.compare(expected, {**actual, "b": {"rows": 4, "sha256": "y"}})[0] == (
        "表 b：行数不符（清单1行，实际4行）"
    )
    assert manifest.compare(expected, expected) == []
