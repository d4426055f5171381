"""A kept answer is shown again only while the user may still see every patient it is about.

``core.idempotency`` replays the kept answer of a write retried with the same Idempotency-Key, with the
patients the first request's audit rows named; each goes through the jurisdiction gate first, so a
patient transferred away or otherwise out of reach answers 404, audited as a denial, exactly as a fresh
request would, and one still in reach is audited as viewed (the replay shows them again).
"""

from django.http import Http404

from . import selectors


def patients_still_visible(user, patient_ids: list[int], request) -> None:
    for pk in patient_ids:
        if request is not None:
            selectors.get_patient_for(request, pk, action="view")
        elif not selectors.patients_for(user).filter(pk=pk).exists():
            raise Http404("患者不存在")
