"""Which members a patient's care team must have: the [care_team] of the patient's policy profile
(国家规范2018: 组长、乡镇卫生院精防医生、民警、监护人; 中梁乡2022 一: six members; 平桥区2025 三（三）: 五位一体),
and whether a team has them."""

from django.db.models import Q

from jingfang.followups import engine
from jingfang.policies.profiles import DEFAULT_PROFILE, load_profile
from jingfang.regions import codes

from .models import GuardianshipAgreement, missing_roles


def rule_for(region_code: str):
    """The profile's care-team rule for a village (every shipped profile has one through national-2018)."""
    return engine.profile_for(region_code).care_team


def signed_agreements() -> Q:
    """Agreements by which a registered guardian signed to look after the patient (in force)."""
    return Q(signed=True, state="active", guardian__isnull=False)


def guardian_signed(patient) -> bool:
    return GuardianshipAgreement.objects.filter(signed_agreements(), patient=patient).exists()


def missing_for(patient, members) -> list[str]:
    return missing_roles(members, rule_for(patient.region_id).required_roles,
                         guardian_signed=guardian_signed(patient))


def profile_areas() -> list[tuple[str, str, object]]:
    """(lo, hi, care-team rule) for each region whose profile is set, deepest last, and the default
    profile's rule over every code: a patient's rule is that of the last area holding its village."""
    areas = [("000000000000", "999999999999", load_profile(DEFAULT_PROFILE).care_team)]
    for code in sorted(engine.policy_regions(), key=lambda c: (codes.level_of(c), c)):
        lo, hi = codes.code_range(code)
        areas.append((lo, hi, engine.profile_for(code).care_team))
    return areas


def incomplete_q(has: dict[str, tuple[str, ...]]) -> Q:
    """A filter of patients whose team lacks a role their own profile requires. ``has`` maps a role to
    the names of the patient annotations of which one is true when the team has it."""
    areas = profile_areas()
    out = Q(pk__in=[])
    for i, (lo, hi, rule) in enumerate(areas):
        here = Q(region_id__gte=lo, region_id__lte=hi)
        for dlo, dhi, _ in areas[i + 1:]:  # deeper areas have their own profile
            if lo <= dlo and dhi <= hi:
                here &= ~Q(region_id__gte=dlo, region_id__lte=dhi)
        lacking = Q(pk__in=[])
        for role in rule.required_roles:
            lacking |= Q(**{name: False for name in has[role]})
        out |= here & lacking
    return out
