"""The workforce KPIs of a region on a day, from the database (the rules are in workforce.rules)."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from jingfang.core import clock
from jingfang.followups import engine
from jingfang.regions import codes
from jingfang.regions.models import Region
from jingfang.stats.compute import residents

from . import rules, vocab
from .models import Institution, StaffMember, Training


@dataclass(frozen=True)
class Board:
    region: Region
    on: object
    psychiatrists: rules.Figure
    staffing: rules.Figure
    counts: dict  # staff kind -> number in service
    institutions: int


def board(region: Region, on=None) -> Board:
    on = on or clock.today()
    lo, hi = region.code_range
    targets = engine.profile_for(region.code).targets  # None: the profile sets no target
    per_100k = targets.psychiatrists_per_100k if targets else None
    staffing = targets.township_staffing_percent if targets else None
    passed = Training.objects.filter(staff=OuterRef("pk"), passed=True, date__lte=on)
    rows = (StaffMember.objects.filter(institution__region_id__gte=lo, institution__region_id__lte=hi)
            .annotate(trained=Exists(passed))
            .values_list("kind", "institution__region_id", "institution__kind", "started", "left_on", "trained"))
    staff = [rules.Staff(kind, code if ikind == vocab.TOWNSHIP_HC else "", ikind == vocab.TOWNSHIP_HC, started, left,
                         trained) for kind, code, ikind, started, left, trained in rows]
    centres = set(Institution.objects.filter(region_id__gte=lo, region_id__lte=hi, kind=vocab.TOWNSHIP_HC)
                  .values_list("region_id", flat=True))
    if region.level == codes.TOWNSHIP:
        towns = [region]
    else:
        towns = list(Region.objects.filter(code__gte=lo, code__lte=hi, level=codes.TOWNSHIP).order_by("code"))
    townships = [rules.Township(t.code, t.name, t.code in centres) for t in towns]
    counts = {k: sum(1 for s in staff if s.kind == k and s.serving(on)) for k in vocab.STAFF_KINDS}
    return Board(
        region=region, on=on,
        psychiatrists=rules.psychiatrists_per_100k(staff, residents(region), on, per_100k),
        staffing=rules.township_staffing(townships, staff, on, staffing),
        counts=counts,
        institutions=Institution.objects.filter(region_id__gte=lo, region_id__lte=hi).count(),
    )
