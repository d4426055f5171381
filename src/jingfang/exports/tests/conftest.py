"""Three patients in 东镇 (two in 甲村, one in 乙村) and a threshold of two rows, so that the patient list
of 东镇 (three rows) needs approval and 甲村's (two rows) does not."""

import io

import pytest
from openpyxl import load_workbook

from jingfang.core.xlsx import XLSX_TYPE

NAMES = ("赵审批", "钱审批", "孙审批")
EXPORT = "/patients/export.xlsx"


@pytest.fixture
def small(settings):
    settings.JINGFANG_EXPORT_APPROVAL_ROWS = 2
    settings.JINGFANG_EXPORT_APPROVAL_HOURS = 24
    return settings


@pytest.fixture
def three(make_patient, small):
    return [make_patient("990102001001", name=NAMES[0]), make_patient("990102001001", name=NAMES[1]),
            make_patient("990102001002", name=NAMES[2])]


def is_xlsx(response) -> bool:
    return response.status_code == 200 and response["Content-Type"] == XLSX_TYPE


def sheet_rows(response) -> list[list]:
    ws = load_workbook(io.BytesIO(response.content)).active
    return [list(r) for r in ws.iter_rows(values_only=True)]
