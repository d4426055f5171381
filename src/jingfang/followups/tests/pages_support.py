"""Shared fixtures and helpers of the key-person, lost and medication page tests."""

import datetime as dt
import io

from openpyxl import load_workbook

from jingfang.core import clock
from jingfang.followups.models import FollowUp, IndividualPlan, PlanMeasure
from jingfang.registry.models import Patient

NAMES = ("甲患者", "乙患者", "丙患者")


def as_user(client, user):
    client.force_login(user)
    return client


def update(patient, **fields):
    Patient.objects.filter(pk=patient.pk).update(**fields)
    patient.refresh_from_db()
    return patient


def seen_followup(patient, date, adherence="none", cause="economic", **extra):
    return FollowUp.objects.create(
        patient=patient, date=date, mode="home_visit", seen=True, adherence=adherence, adherence_cause=cause,
        risk_level=1, **extra,
    )


def shown(html, names=NAMES):
    return {n for n in names if n in html}


def workbook_text(response) -> str:
    wb = load_workbook(io.BytesIO(response.content))
    return " ".join(str(c) for row in wb.active.iter_rows(values_only=True) for c in row if c is not None)


def make_plan(patient, *, medication=True, review=None):
    plan = IndividualPlan.objects.create(patient=patient, title="测试方案", owner_name="李责任",
                                         review_date=review or clock.today() + dt.timedelta(days=20))
    PlanMeasure.objects.create(plan=plan, category="guardianship", text="落实监护人看护责任")
    if medication:
        PlanMeasure.objects.create(plan=plan, category="medication", text="改用长效针剂每月注射")
    return plan


