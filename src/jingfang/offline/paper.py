"""Paper fallback of the offline field app (纸质随访表): where even a phone is not practical the township
prints pre-filled follow-up forms for the coming visits, each with a QR code and a short code
(``paper_code``); scanning or typing it in the phone app opens that patient's form.

- **Tokens** (``PaperToken``): random, stored encrypted with a blind index, bound to the patient and the
  issuing township (the user's), valid ``[offline] paper_token_days``. Printing and the offline package
  share them: each reuses a patient's code still valid through the window and issues one where none is,
  and the package carries every valid code of its patients, so a form printed before or after the
  download opens offline from the encrypted package.
- **Resolution on the server** goes through the jurisdiction gate: the user's role must work offline,
  the code must be the user's township's and the patient within the user's jurisdiction; anything else
  gets exactly the answer of an unknown code. Misses are bounded per user and day
  (``JINGFANG_PAPER_MISSES_PER_DAY``); every resolution is audited.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jingfang.accounts import roles
from jingfang.audit import log as audit
from jingfang.core import errors
from jingfang.regions import codes as region_codes
from jingfang.registry import disclosure, selectors

from . import package, paper_code, paper_tokens
from .models import PackagedPatient, PaperLookup, PaperToken

UNKNOWN = "编号无效或已过期：请核对编号；仍打不开时请联系乡镇精防人员重新打印"
LIMITED = "今日查询无效编号的次数已达上限（{limit}次），请明天再试或联系乡镇精防人员"
MISS_WINDOW = dt.timedelta(hours=24)


class NotFound(errors.ServiceError):
    status = 404


# ---- resolution on the server ---------------------------------------------------------------------

def _find(user, code: str) -> PaperToken | None:
    """The valid token of ``code`` (None when there is none), marked ``refused`` unless the user may open
    its form: a role that works offline, of the issuing township, with the patient inside the jurisdiction
    gate. (A refused token is only for the audit row; the user is answered as for an unknown code.)"""
    token = PaperToken.objects.filter(code=code, expires_at__gt=timezone.now()).first()
    if token is None:
        return None
    token.refused = not (user.is_active and roles.can(user.role, roles.OFFLINE_FIELD)
                         and token.township_id == region_codes.township_of(user.region_id)
                         and selectors.patients_for(user).filter(pk=token.patient_id).exists())
    return token


def resolve(user, text: str, *, request=None) -> dict:
    """The patient a typed or scanned code opens, as a package entry (``{"code", "patient"}``), for a
    user who may see them; an unknown, expired or foreign code, or a role that does not work offline,
    gets ``NotFound`` with the same words. A malformed code is refused before any look-up (not counted)."""
    problem = paper_code.problem(text)
    if problem:
        audit.record(user, "view", request=request, outcome="invalid", target="paper_code")
        raise errors.Invalid([errors.FieldError("code", problem)])
    code = paper_code.normalize(text)
    limit = settings.JINGFANG_PAPER_MISSES_PER_DAY
    found = token = None
    with disclosure.user_lock(user):
        over = bool(limit) and PaperLookup.objects.filter(user=user, at__gte=timezone.now() - MISS_WINDOW).count() >= limit
        if not over:
            token = _find(user, code)
            found = token if token is not None and not token.refused else None
            if found is None:
                PaperLookup.objects.create(user=user)
            else:
                PackagedPatient.objects.get_or_create(user=user, patient_id=found.patient_id)
                audit.record(user, "view", request=request, patient_id=found.patient_id,
                             target=f"paper_token:{found.pk}", detail={"paper": True})
    if over:
        audit.record(user, "view", request=request, outcome="denied", target="paper_code",
                     detail={"reason": "daily_limit"})
        raise errors.TooMany(LIMITED.format(limit=limit))
    if found is None:
        refused = token is not None
        audit.record(user, "view", request=request, outcome="denied" if refused else "not_found",
                     patient_id=token.patient_id if refused else None,
                     target=f"paper_token:{token.pk}" if refused else "paper_code")
        raise NotFound([errors.FieldError("code", UNKNOWN)])
    entry = package.entries(user, {found.patient_id: package.due_now(user, found.patient_id)})
    return {"code": code, "patient": entry[0]}


# ---- printing -------------------------------------------------------------------------------------

def qr_svg(code: str) -> str:
    """The QR code of a form as inline SVG (a full QR code: phones' decoders do not read Micro QR)."""
    import segno

    return segno.make(paper_code.qr_text(code), error="q", micro=False).svg_inline(
        scale=1, border=4, omitsize=True, svgclass="qr", dark="#000", light="#fff")


def village_counts(user) -> tuple[dict[str, int], int]:
    """{village code: patients due in the window} within the user's jurisdiction, and the window."""
    days = package.window(user, None)
    _, due = package.due_by_patient(user, days)
    counts: dict[str, int] = {}
    for region_id in selectors.patients_for(user).filter(pk__in=list(due)).values_list("region_id", flat=True):
        counts[region_id] = counts.get(region_id, 0) + 1
    return counts, days


def sheets(user, village: str, *, request=None) -> tuple[list[dict], int]:
    """One pre-filled form per patient of ``village`` due in the window (the profile's ``package_days``),
    each with its code and QR code; audited naming every patient printed, with the codes' issue."""
    days = package.window(user, None)
    _, due = package.due_by_patient(user, days, region_code=village)
    out = package.entries(user, due)
    ids = [e["id"] for e in out]
    with transaction.atomic():
        tokens = paper_tokens.tokens_for(user, ids, days)
        audit.record(user, "export", request=request, target="offline_paper",
                     detail={"patients": ids, "count": len(ids), "days": days, "village": village})
    for e in out:
        token = tokens[e["id"]]
        e.update(code=paper_code.shown(token.code), qr=qr_svg(token.code),
                 valid_until=timezone.localtime(token.expires_at).date())
    return out, days
