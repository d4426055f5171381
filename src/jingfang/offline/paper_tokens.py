"""The paper forms' codes (``PaperToken``): random, stored encrypted with a blind index, bound to the
patient and the issuing township (the user's), valid ``[offline] paper_token_days``. Printing
(offline.paper) and the offline package (offline.package) share them: each reuses a patient's code still
valid through the window and issues one where none is."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from jingfang.core import errors
from jingfang.regions import codes as region_codes
from jingfang.regions import policy as region_policy

from . import paper_code
from .models import PaperToken

_ISSUE_TRIES = 5


def token_days(user) -> int:
    """How long a new code is valid: the profile's ``[offline] paper_token_days`` (the package refuses a
    region whose profile has no ``[offline]`` section before any code is issued)."""
    return region_policy.profile_for(user.region_id).offline.paper_token_days


def _issue(user, patient_id: int, township: str, now: dt.datetime, days: int) -> PaperToken:
    for _ in range(_ISSUE_TRIES):  # a clash of two random codes is all but impossible; try again if it happens
        try:
            with transaction.atomic():
                return PaperToken.objects.create(code=paper_code.make(), patient_id=patient_id, township_id=township,
                                                 issued_by=user, expires_at=now + dt.timedelta(days=days))
        except IntegrityError:
            continue
    raise errors.Conflict("编号签发失败，请重试")


def tokens_for(user, ids: list[int], window_days: int) -> dict[int, PaperToken]:
    """For each patient, a code of the user's township valid through the next ``window_days`` days: the
    one that lasts longest, or a new one (valid ``paper_token_days``). Call inside the transaction that
    audits what they are for."""
    now = timezone.now()
    township = region_codes.township_of(user.region_id)
    rows = (PaperToken.objects.filter(patient_id__in=ids, township_id=township,
                                      expires_at__gte=now + dt.timedelta(days=window_days))
            .order_by("patient_id", "-expires_at", "-id"))
    out: dict[int, PaperToken] = {}
    for t in rows:
        out.setdefault(t.patient_id, t)
    days = None
    for pk in ids:
        if pk not in out:
            days = days or token_days(user)
            out[pk] = _issue(user, pk, township, now, days)
    return out


def codes_for(user, ids: list[int], window_days: int) -> dict[str, int]:
    """The package's codes: every code of the user's township still valid for these patients (a form
    printed earlier keeps working), issuing one where none lasts through the window. {code: patient id}."""
    tokens_for(user, ids, window_days)
    rows = PaperToken.objects.filter(patient_id__in=ids, township_id=region_codes.township_of(user.region_id),
                                     expires_at__gt=timezone.now())
    return {t.code: t.patient_id for t in rows}
