from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.urls import reverse

from jingfang.accounts import roles


@login_required
def home(request):
    role = request.user.role
    if role in (roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_OFFICE):
        return HttpResponseRedirect(reverse("stats:dashboard"))  # county and township home: the KPIs
    if roles.can(role, roles.VIEW_WORKLIST):
        return HttpResponseRedirect(reverse("followups:worklist"))
    if roles.can(role, roles.VIEW_PATIENTS):
        return HttpResponseRedirect(reverse("registry:patient_list"))
    if roles.can(role, roles.MANAGE_USERS) or roles.can(role, roles.APPROVE_ACCESS):
        return HttpResponseRedirect(reverse("admin:index"))
    return HttpResponseRedirect(reverse("audit:list"))


def healthz(request):
    """For the load balancer: JSON status of the database (and, with ?ready=1, migrations and replica)."""
    from jingfang.ops.health import healthz as check

    return check(request)
