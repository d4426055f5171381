"""The print page of the paper follow-up forms (打印纸质随访表): one A4 form per patient of a village due in
the window, pre-filled like the offline package, with the QR code and short code that open the patient's
form in the phone app. Township and village doctors, within their jurisdiction."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.audit import log as audit
from jingfang.core import errors
from jingfang.regions import codes
from jingfang.regions.models import Region

from . import formdef, paper

NO_VILLAGE = "村（社区）不存在"
# The national form's choice rows, printed as boxes to tick (labels from the form definition).
CHOICE_FIELDS = ("mode", "not_seen_reason", "death_cause", "psychotic_level", "insight", "sleep", "diet", "locking",
                 "hospital", "adherence", "adherence_cause", "adverse_reaction", "physical_illness", "treatment_effect",
                 "symptoms", "rehab_measures", "condition")


def _form_words() -> dict:
    """Labels and choice labels of the follow-up form, as the phone shows them."""
    fields = formdef.definition()["fields"]
    out = {name: [label for _, label in fields[name].get("choices", [])] for name in CHOICE_FIELDS}
    out["social"] = [label for _, label in fields["social_detail"]["keys"]]
    out["social_levels"] = [label for _, label in fields["social_detail"]["choices"]]
    out["acts"] = [label for _, label in fields["dangerous_acts"]["keys"]]
    out["labels"] = {name: spec["label"] for name, spec in fields.items()}
    return out


def _villages(user) -> list[Region]:
    lo, hi = codes.code_range(user.region_id)
    return list(Region.objects.filter(code__gte=lo, code__lte=hi, level=codes.VILLAGE).order_by("code"))


@require_GET
@permission_required(roles.OFFLINE_FIELD, audit_action="export")
def paper_forms(request):
    user = request.user
    village = request.GET.get("village", "").strip()
    if not village and codes.level_of(user.region_id) == codes.VILLAGE:
        village = user.region_id
    try:
        if not village:  # a township doctor chooses a village
            counts, days = paper.village_counts(user)
            audit.record_request(request, "list", target="offline_paper", detail={"count": sum(counts.values())})
            villages = [(v, counts.get(v.code, 0)) for v in _villages(user)]
            return render(request, "offline/paper_choose.html", {"villages": villages, "days": days})
        region = (Region.objects.filter(code=village, level=codes.VILLAGE).first()
                  if codes.is_valid_code(village) else None)
        if region is None or not codes.is_within(village, user.region_id):
            audit.record_request(request, "export", outcome="not_found", target="offline_paper")
            raise Http404(NO_VILLAGE)
        sheets, days = paper.sheets(user, village, request=request)
    except errors.Invalid as exc:  # no [offline] in the profile
        return render(request, "offline/paper_choose.html", {"problem": exc, "villages": []}, status=422)
    return render(request, "offline/paper.html", {
        "sheets": sheets, "village": region, "days": days, "words": _form_words(),
        "back": codes.level_of(user.region_id) != codes.VILLAGE})
