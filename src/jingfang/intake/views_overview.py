"""The intake overview page and the dual listing (双列管) of patients living away from home."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from jingfang.accounts import roles
from jingfang.accounts.decorators import permission_required
from jingfang.core.paging import paginate

from . import deadlines, selectors, serializers
from . import permissions as perms
from .views_common import base_context, deny, list_audit


@login_required
def home(request):
    user = request.user
    flags = perms.flags(user)
    if not any(v for k, v in flags.items() if k.startswith("can_view")):
        deny(request)
    counts = {}
    if flags["can_view_reports"]:
        counts["cards_open"] = selectors.report_cards_for(user).filter(status__in=("received", "accepted")).count()
        counts.update(deadlines.overdue_counts(user))
    if flags["can_view_releases"]:
        counts["releases_pending"] = selectors.releases_for(user).filter(status="pending").count()
    if flags["can_view_transfers"]:
        counts["inbox"] = selectors.inbox_for(user).count()
        counts["outbox"] = selectors.outbox_for(user).filter(status="sent").count()
    if flags["can_view_dual"]:
        counts["dual"] = selectors.dual_listed_for(user).count()
    return render(request, "intake/home.html", {**base_context(request, "reports"), "counts": counts})


@permission_required(roles.VIEW_PATIENTS)
def dual_list(request):
    """Summary only: no clinical fields, no link to the file (which the residence township keeps)."""
    page = paginate(request, selectors.dual_listed_for(request.user))
    page.object_list = [serializers.dual_summary(p) for p in page.object_list]
    list_audit(request, "dual_listing", page.paginator.count, [])
    return render(request, "intake/dual_list.html", {**base_context(request, "dual"), "page": page, "qs": ""})
