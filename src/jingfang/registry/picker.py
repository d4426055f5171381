"""The patient picker (core/picker.py): patients of the user's jurisdiction by name, by the last four
characters of the ID number or by the masked ID. An option shows the name, the masked ID and the
village (with its township): what every role that may see patients sees in a list, never clinical data.
Outside the jurisdiction there is nothing to find: the answer is the one for no match."""

from django.http import HttpRequest

from jingfang.audit import log as audit
from jingfang.core import picker
from jingfang.core.masking import mask_id_number

from . import selectors


def label(patient) -> str:
    place = patient.region.name
    parent = patient.region.parent
    if parent is not None:
        place = f"{parent.name}{place}"
    return f"{patient.name}（{mask_id_number(patient.id_number)}，{place}）"


def chosen_option(patient) -> list[picker.Option]:
    return [picker.Option(str(patient.pk), label(patient))] if patient is not None else []


def options(request: HttpRequest, raw_q: str, *, target: str) -> tuple[list[picker.Option], str]:
    """The options for ``raw_q`` and the hint above them; one audit row (a list of patients) for the
    search, refused or not (``target`` names the form asking)."""
    q = picker.query(raw_q)
    found, more = selectors.pick(request.user, q.text, limit=picker.MAX_RESULTS) if q.text else ([], False)
    detail = {"count": len(found), "patients": [p.pk for p in found]}
    if q.problem:
        detail["refused"] = "number" if q.problem == picker.NUMBER_REFUSED else "short"
    audit.record_request(request, "list", outcome="invalid" if q.problem else "ok", target=target, detail=detail)
    found_options = [picker.Option(str(p.pk), label(p)) for p in found]
    return found_options, picker.hint(found_options, more, q)


def options_with_chosen(request: HttpRequest, patient, raw_q: str, *, target: str) -> tuple[list[picker.Option], str]:
    """A form's patient picker as it is shown again: the patient chosen (if any), then the matches of the
    search typed before submitting (``options``, audited) when there was one, the chosen one not twice."""
    chosen, hint = chosen_option(patient), ""
    if raw_q:
        found, hint = options(request, raw_q, target=target)
        chosen += [o for o in found if patient is None or o.value != str(patient.pk)]
    return chosen, hint
