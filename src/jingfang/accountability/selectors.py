"""Scoped reads of accountability measures: a measure outside what the user may see answers exactly like
one that does not exist (404), and the attempt is audited."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404

from jingfang.audit import log as audit
from jingfang.care import selectors as care_selectors
from jingfang.care.models import Incident
from jingfang.core import ids
from jingfang.regions import codes
from jingfang.stats.models import InspectionReport

from . import permissions, vocab
from .models import Measure

NOT_FOUND = "督办问责措施不存在"


def visible_q(user) -> Q:
    """The measures the user may see, as a filter (nothing for a role without the right)."""
    if not permissions.can_view(user):
        return Q(pk__in=[])
    lo, hi = codes.code_range(user.region_id)
    q = Q(pk__in=[])
    if user.role in permissions.READERS:
        q |= Q(target_region_id__gte=lo, target_region_id__lte=hi)
    units = [u for u in vocab.UNITS if user.role in vocab.unit_roles(u)]
    if units:
        q |= Q(target_unit__in=units, target_region_id=user.region_id)
    return q


def measures_for(user, *, kind: str = "", state: str = "", region_code: str = "",
                 on: dt.date | None = None) -> QuerySet[Measure]:
    qs = Measure.objects.filter(visible_q(user))
    if kind:
        qs = qs.filter(kind=kind)
    if region_code:
        if codes.is_valid_code(region_code):
            lo, hi = codes.code_range(region_code)
            qs = qs.filter(target_region_id__gte=lo, target_region_id__lte=hi)
        else:
            qs = qs.none()
    if state and on is not None:
        if state == "open":
            qs = qs.filter(closed_on__isnull=True)
        elif state == "overdue":
            qs = qs.filter(closed_on__isnull=True, deadline__lt=on)
        elif state == "closed":
            qs = qs.filter(closed_on__isnull=False)
    return qs.select_related("target_region", "issued_by", "closed_by").order_by("-issued_on", "-id")


def get_measure_for(request, pk, *, action: str = "view") -> Measure:
    """The measure if the user may see it; otherwise 404 like a missing one, audited (no success row:
    the caller audits what it does with it)."""
    parsed = ids.parse(pk)
    measure = None
    if parsed is not None:
        measure = (Measure.objects.filter(visible_q(request.user), pk=parsed)
                   .select_related("target_region", "issuer_region", "issued_by", "closed_by").first())
    if measure is None:
        exists = parsed is not None and Measure.objects.filter(pk=parsed).exists()
        audit.record_request(request, action, outcome="denied" if exists else "not_found",
                             target=f"accountability:{str(pk)[:20]}")
        raise Http404(NOT_FOUND)
    return measure


def incidents_in(user, region_code: str) -> QuerySet[Incident]:
    """Incidents of patients living within ``region_code`` and the user's jurisdiction (care's selector),
    newest first: what a measure on a target there may rest on."""
    return care_selectors.incidents_for(user, region_code=region_code)


def inspections_in(user, region_code: str) -> QuerySet[InspectionReport]:
    """Inspection reports of the township of ``region_code`` (within the user's region)."""
    township = codes.township_of(region_code) if codes.level_of(region_code) >= codes.TOWNSHIP else region_code
    lo, hi = codes.code_range(township)
    ulo, uhi = codes.code_range(user.region_id)
    lo, hi = max(lo, ulo), min(hi, uhi)
    return InspectionReport.objects.filter(township_id__gte=lo, township_id__lte=hi).select_related("township")


def incident_rows(measure: Measure) -> list[dict]:
    """The linked incidents as anyone who sees the measure may read them: no patient, no clinical field."""
    from jingfang.core.vocab import DANGEROUS_ACTS

    rows = []
    for i in measure.incidents.select_related("patient__region").order_by("date", "id"):
        rows.append({"id": i.pk, "date": i.date, "kind": DANGEROUS_ACTS.get(i.kind, i.kind), "place": i.place,
                     "village": i.patient.region.name, "reviewed_at": i.reviewed_at})
    return rows
