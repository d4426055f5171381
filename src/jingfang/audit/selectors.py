import datetime as dt

from django.db.models import Q, QuerySet

from jingfang.regions import codes

from .models import AuditEvent


def events_for(
    user, *, username="", patient_id=None, date_from=None, date_to=None, action="", outcome=""
) -> QuerySet[AuditEvent]:
    """Audit rows a supervisor may read: those of users in their region, and failed sign-ins."""
    lo, hi = codes.code_range(user.region_id)
    qs = AuditEvent.objects.filter(Q(region_code__gte=lo, region_code__lte=hi) | Q(region_code=""))
    if username:
        qs = qs.filter(username=username)
    if patient_id:
        qs = qs.filter(patient_id=patient_id)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lt=date_to + dt.timedelta(days=1))
    if action:
        qs = qs.filter(action=action)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs
