"""A kept answer about a patient is shown again only while the user may still see the patient.

``core.idempotency`` replays the kept answer of a write retried with the same Idempotency-Key; this
check sends the patient a path names (``/api/v1/patients/{id}/…``) through the jurisdiction gate
first, so a patient transferred away or otherwise out of reach answers 404, audited as a denial,
exactly as a fresh request would.
"""

import re

from django.http import Http404

from . import selectors

PATIENT_PATH = re.compile(r"^/api/v1/patients/(\d+)(?:[/?]|$)")


def patient_still_visible(user, path: str, request) -> None:
    match = PATIENT_PATH.match(path)
    if match is None:
        return
    if request is not None:
        selectors.get_patient_for(request, match.group(1), action="view", audit_success=False)
    elif not selectors.patients_for(user).filter(pk=int(match.group(1))).exists():
        raise Http404("患者不存在")
