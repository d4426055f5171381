"""No export cell reads as a formula (security review L3): every workbook builder is run with = + - @
(and tab, CR) payloads in every text it takes, and the files are read back."""

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from jingfang.core import xlsx
from jingfang.exchange import export as exchange_export
from jingfang.screening import export as screening_exports
from jingfang.stats import export as stats_export

PAYLOADS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1"]


def cells(content: bytes) -> list:
    wb = load_workbook(io.BytesIO(content))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def assert_no_formula(content: bytes, payload: str) -> None:
    found = cells(content)
    assert not [c.coordinate for c in found if c.data_type == "f"]
    texts = [c.value for c in found if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(xlsx.FORMULA_PREFIXES)]
    kept = payload.lstrip("\t\r")
    assert any(kept in t for t in texts)  # the text is kept, quoted


@pytest.mark.parametrize("payload", PAYLOADS)
def test_build_workbook(payload):
    content = xlsx.build_workbook(payload, [payload, "b"], [[payload, 1], [f"{payload}x", None]], payload)
    assert_no_formula(content, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_stats_workbook(payload):
    content = stats_export.workbook([(payload, payload, [payload], [[payload]])], payload)
    assert_no_formula(content, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_exchange_workbook(payload):
    line = {"supplement": True, "detail": payload, "category_label": payload, "name": payload,
            "id_number_masked": payload, "village_name": payload, "date": payload}
    detail = {
        "month": "2026-11", "version": 2, "township_name": payload, "start": payload, "end": payload,
        "summary": [{"label": payload, "count": 1, "previous": 1, "delta": 0, "changed": False}],
        "previous_source": payload, "lines": [line], "removed": [line],
        "receipts": [{"department": "police", "received_on": dt.date(2026, 12, 1), "received_by": payload,
                      "note": payload}],
        "departments": [{"key": "police", "label": payload}],
    }
    assert_no_formula(exchange_export.workbook(detail, payload), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_campaign_report_workbook(payload):
    region = SimpleNamespace(name=payload, full_name=lambda: payload)
    campaign = SimpleNamespace(name=payload, region=region)
    person = SimpleNamespace(
        listings=SimpleNamespace(all=lambda: []), name=payload, sex="", get_sex_display=lambda: payload,
        birth_date=None, id_number="110101199003077777", region=region, address=payload, assessment_result="",
        assessed_on=None, entered=payload)
    user = SimpleNamespace(get_full_name=lambda: payload, username=payload, role_label=payload)
    content, count = screening_exports.report_workbook(user, campaign, [{"label": payload, "persons": [person]}])
    assert count == 1
    assert_no_formula(content, payload)
