"""Fixtures of the support tests: the county runs the Pingqiao 2025 profile; an application walker."""

import io

import pytest
from openpyxl import load_workbook

from jingfang.core import clock
from jingfang.followups import engine

STEP_DATA = {
    "submit": {},
    "village_review": {"opinion": "该患者家庭确实困难，建议予以救助", "option": "both_half"},
    "village_reject": {"reason": "家庭经济条件尚可"},
    "approve": {"option": "both_half", "amount": "3000"},
    "reject": {"reason": "不符合救助条件"},
    "admit": {"hospital": "平桥区精神病医院", "admission_date": clock.today().isoformat(), "total_cost": "10000",
              "food_cost": "1000", "insurance_paid": "6000", "relief_paid": "2000", "self_paid": "2000"},
    "close": {"note": "已按审核意见减免并存档"},
}
# The user (conftest.users key) who takes each step for a patient in 甲村 (990102001001).
STEP_USER = {"submit": "vdoc", "village_review": "cadre", "village_reject": "cadre", "approve": "office",
             "reject": "office", "admit": "doctor", "close": "doctor"}
# How to reach each state from a new draft.
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "village_reviewed": ["submit", "village_review"],
    "township_approved": ["submit", "village_review", "approve"],
    "admitted": ["submit", "village_review", "approve", "admit"],
    "closed": ["submit", "village_review", "approve", "admit", "close"],
    "rejected": ["submit", "village_review", "reject"],
}
APP_DATA = {"applicant_name": "王监护", "applicant_relation": "parent", "applicant_phone": "13900004321",
            "insurance_type": "resident", "facts": "患者近月病情反复，需住院治疗，家庭无力承担费用。"}


@pytest.fixture
def pingqiao(tree):
    """The county (and so both townships) runs pingqiao-2025."""
    tree["county"].policy = "pingqiao-2025"
    tree["county"].save()
    engine.clear_caches()
    return tree["county"]


@pytest.fixture
def xuecheng(tree):
    tree["county"].policy = "xuecheng-2016"
    tree["county"].save()
    engine.clear_caches()
    return tree["county"]


@pytest.fixture
def patient(pingqiao, make_patient):
    return make_patient("990102001001", name="赵救助")


@pytest.fixture
def walk(users):
    """walk(patient, state) -> an application brought to ``state`` by the right users, through the services."""
    from jingfang.support import services_relief

    def go(patient, state="draft", **over):
        app = services_relief.create(users["vdoc"], patient, {**APP_DATA, **over})
        for action in PATHS[state]:
            app = services_relief.step(users[STEP_USER[action]], app, action, dict(STEP_DATA[action]))
        return app

    return go


def workbook_rows(response) -> list[list]:
    wb = load_workbook(io.BytesIO(response.content))
    return [tuple(row) for row in wb.active.iter_rows(values_only=True)]


def workbook_text(response) -> str:
    return " ".join(str(c) for row in workbook_rows(response) for c in row if c is not None)
