"""Scoped reads for the key-person pages: key persons, lost to follow-up, medication gaps, sensitive
periods. Every patient queryset starts from registry.selectors.patients_for(user), so a list never
holds anyone outside the user's jurisdiction.
"""

import datetime as dt

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from jingfang.core import clock
from jingfang.regions import codes
from jingfang.registry.models import Patient
from jingfang.registry.selectors import patients_for

from . import engine
from .models import FollowUp, IndividualPlan, SearchAttempt, SensitivePeriod

# Colour grades (分级分类分色). Patient.grade holds the colour code of the profile's matching grade;
# anything else (empty, "grey", "blue", …) is shown as grey.
GRADE_COLOURS = {"red": "红色", "orange": "橙色", "yellow": "黄色", "green": "绿色"}
GRADE_FILTERS = {**GRADE_COLOURS, "grey": "灰色/未分级"}

POOR_ADHERENCE = ("intermittent", "none")

# 齐云山镇2024 三（五）2: cause of irregular medication -> measure. Used when the patient's
# policy profile carries no [[medication_measures]] of its own (national-2018 does not).
FALLBACK_MEDICATION_MEASURES = {
    "economic": ["落实免费服药/救助"],
    "inconvenient": ["送药上门"],
    "poor_compliance": ["调整用药方案并加强健康教育", "建议使用长效针剂"],
    "side_effects": ["调整用药方案并加强健康教育"],
    "weak_guardianship": ["建议使用长效针剂"],
}
FALLBACK_CITE = "齐云山镇2024，三（五）2"


def grade_colour(grade: str) -> str:
    """The CSS colour key of a stored grade: one of GRADE_COLOURS, else "grey"."""
    return grade if grade in GRADE_COLOURS else "grey"


def _in_region(qs: QuerySet, region_code: str, field: str = "region_id") -> QuerySet:
    """Narrow to a sub-region (a filter value from the page); an invalid code matches nothing."""
    if not region_code:
        return qs
    if not codes.is_valid_code(region_code):
        return qs.none()
    lo, hi = codes.code_range(region_code)
    return qs.filter(**{f"{field}__gte": lo, f"{field}__lte": hi})


def month_start(today: dt.date) -> dt.date:
    return today.replace(day=1)


# ---- key persons -------------------------------------------------------------------------------

def key_persons(user, *, region_code: str = "", grade: str = "", no_plan: bool = False) -> QuerySet[Patient]:
    """The user's key persons, each annotated with ``has_plan`` and ``plan_review`` (the active
    plan's next review date, or None)."""
    active = IndividualPlan.objects.filter(patient=OuterRef("pk"), active=True)
    qs = (
        patients_for(user)
        .filter(key_person=True)
        .annotate(
            has_plan=Exists(active),
            plan_review=Subquery(active.order_by("review_date").values("review_date")[:1]),
        )
    )
    qs = _in_region(qs, region_code)
    if grade == "grey":
        qs = qs.exclude(grade__in=list(GRADE_COLOURS))
    elif grade in GRADE_COLOURS:
        qs = qs.filter(grade=grade)
    if no_plan:
        qs = qs.filter(has_plan=False)
    return qs.select_related("region").prefetch_related("guardians").order_by("region_id", "name", "id")


# ---- lost to follow-up -------------------------------------------------------------------------

def lost_base(user) -> QuerySet[Patient]:
    """The user's patients lost to follow-up (Patient.lost) or whose whereabouts are unknown."""
    return patients_for(user).filter(Q(lost=True) | Q(status="missing")).exclude(status="deceased")


def lost_patients(user, *, today: dt.date, region_code: str = "", unsearched: bool = False) -> QuerySet[Patient]:
    """Patients lost to follow-up or whose whereabouts are unknown, annotated with this month's
    search-attempt count and the latest attempt (date, method, result)."""
    attempts = SearchAttempt.objects.filter(patient=OuterRef("pk"))
    latest = attempts.order_by("-date", "-id")
    this_month = (
        attempts.filter(date__gte=month_start(today))
        .order_by()
        .values("patient")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = (
        lost_base(user)
        .annotate(
            month_attempts=Coalesce(Subquery(this_month, output_field=IntegerField()), Value(0)),
            last_attempt_date=Subquery(latest.values("date")[:1]),
            last_attempt_method=Subquery(latest.values("method")[:1]),
            last_attempt_result=Subquery(latest.values("result")[:1]),
        )
    )
    qs = _in_region(qs, region_code)
    if unsearched:
        qs = qs.filter(month_attempts=0)
    return qs.select_related("region").order_by("region_id", "name", "id")


def counts_by_village(qs: QuerySet, prefix: str = "") -> list[dict]:
    """[{code, name, n}] per village, in one grouped query: ``prefix`` is "" for a patient queryset
    and "patient__" for a follow-up queryset."""
    code, name = f"{prefix}region_id", f"{prefix}region__name"
    rows = qs.order_by().values(code, name).annotate(n=Count("id")).order_by(code)
    return [{"code": r[code], "name": r[name], "n": r["n"]} for r in rows]


# ---- medication --------------------------------------------------------------------------------

def medication_gaps(user, *, region_code: str = "", adherence: str = "", cause: str = "") -> QuerySet[FollowUp]:
    """For each of the user's patients, the latest follow-up at which the patient was seen, kept when
    adherence was intermittent or none. One SQL query (the latest-visit id is a correlated subquery)."""
    latest_seen = (
        FollowUp.objects.filter(patient=OuterRef("pk"), seen=True).order_by("-date", "-id").values("id")[:1]
    )
    patients = _in_region(patients_for(user).exclude(status="deceased"), region_code)
    ids = patients.annotate(latest_fu=Subquery(latest_seen)).filter(latest_fu__isnull=False).values("latest_fu")
    qs = FollowUp.objects.filter(pk__in=ids, adherence__in=POOR_ADHERENCE)
    if adherence in POOR_ADHERENCE:
        qs = qs.filter(adherence=adherence)
    if cause == "none":
        qs = qs.filter(adherence_cause="")
    elif cause:
        qs = qs.filter(adherence_cause=cause)
    return qs.select_related("patient", "patient__region").order_by("patient__region_id", "patient__name", "patient_id")


def medication_measures_for(region_code: str, cause: str) -> list[dict]:
    """Suggested measures for a cause: [{text, cite}] from the region's policy profile, or the 齐云山镇2024
    mapping when the profile has none."""
    if not cause:
        return []
    profile = engine.profile_for(region_code)
    if profile.medication_measures:
        seen, out = set(), []
        for m in profile.measures_for(cause):
            if m.measure not in seen:
                seen.add(m.measure)
                out.append({"text": m.measure, "cite": m.cite})
        return out
    return [{"text": t, "cite": FALLBACK_CITE} for t in FALLBACK_MEDICATION_MEASURES.get(cause, [])]


def latest_seen_followup(patient) -> FollowUp | None:
    return patient.followups.filter(seen=True).order_by("-date", "-id").first()


# ---- sensitive periods -------------------------------------------------------------------------

def sensitive_periods_for(user, *, when: str = "", today: dt.date | None = None) -> QuerySet[SensitivePeriod]:
    """Periods set for an ancestor of the user's region, the region itself, or any region inside it.
    ``when``: "current", "upcoming", "past" or "" (all)."""
    if user is None or not user.is_authenticated or not user.region_id:
        return SensitivePeriod.objects.none()
    lo, hi = codes.code_range(user.region_id)
    qs = SensitivePeriod.objects.filter(
        Q(region_id__in=engine.chain_codes(user.region_id)) | Q(region_id__gte=lo, region_id__lte=hi)
    )
    today = today or clock.today()
    if when == "current":
        qs = qs.filter(start__lte=today, end__gte=today)
    elif when == "upcoming":
        qs = qs.filter(start__gt=today)
    elif when == "past":
        qs = qs.filter(end__lt=today)
    return qs.select_related("region", "created_by").order_by("-start", "-id")
