"""Reads of the workforce register, scoped to the user's region (permissions). An institution or staff
member outside it is answered like a missing one (404 by the caller), audited there."""

from jingfang.regions import codes

from . import permissions
from .models import Institution, StaffMember


def institutions_for(user):
    """Institutions within the user's region, for the roles that read names (none for the others)."""
    if not permissions.can_read(user):
        return Institution.objects.none()
    lo, hi = codes.code_range(user.region_id)
    return Institution.objects.filter(region_id__gte=lo, region_id__lte=hi).select_related("region")


def staff_for(user):
    if not permissions.can_read(user):
        return StaffMember.objects.none()
    lo, hi = codes.code_range(user.region_id)
    return (StaffMember.objects.filter(institution__region_id__gte=lo, institution__region_id__lte=hi)
            .select_related("institution", "institution__region"))
