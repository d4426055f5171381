"""Reads of community rehabilitation, scoped to the user.

Facilities and teams: those of the user's region; a village user sees those of their township, and a team
of the county (the psychiatric hospital's) is seen by everyone in the county. Enrolments are patient data:
they start from registry.selectors (the jurisdiction gate) and are narrowed to the programmes the user's
department runs (permissions.owners_for). Something outside answers like a missing one (404 by the
caller), audited there."""

from django.db.models import Q

from jingfang.regions import codes
from jingfang.registry import selectors as patient_selectors

from . import permissions, vocab
from .models import Enrolment, Facility, Team


def place_range(user) -> tuple[str, str]:
    """The code range of the facilities a user works with: their region, a village user's township."""
    code = user.region_id
    if codes.level_of(code) > codes.TOWNSHIP:
        code = codes.township_of(code)
    return codes.code_range(code)


def facilities_for(user):
    if not permissions.has(user, permissions.REGISTER_VIEW):
        return Facility.objects.none()
    lo, hi = place_range(user)
    return Facility.objects.filter(region_id__gte=lo, region_id__lte=hi).select_related("region")


def teams_for(user):
    if not permissions.has(user, permissions.REGISTER_VIEW):
        return Team.objects.none()
    lo, hi = place_range(user)
    above = [c for c in codes.ancestor_codes(user.region_id) if codes.level_of(c) >= codes.COUNTY]
    return (Team.objects.filter(Q(region_id__gte=lo, region_id__lte=hi) | Q(region_id__in=above))
            .select_related("region"))


def owner_filter(owners) -> Q:
    """Enrolments whose programme is run by one of ``owners`` (home training is the DPF's)."""
    q = Q(facility__operator__in=owners)
    if "dpf" in owners:
        q |= Q(programme=vocab.HOME)
    return q


def enrolments_for(user):
    owners = permissions.owners_for(user)
    if owners is not None and not owners:
        return Enrolment.objects.none()
    qs = (Enrolment.objects.filter(patient__in=patient_selectors.patients_for(user))
          .select_related("patient", "patient__region", "facility", "facility__region"))
    return qs if owners is None else qs.filter(owner_filter(owners))
