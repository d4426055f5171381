"""Release handover pages (释放/解除衔接, 当阳乡2022 四（三）)."""

from django.shortcuts import render
from django.views.decorators.http import require_POST

from jingfang.accounts import roles
from jingfang.core import clock, errors
from jingfang.core.paging import paginate, querystring_without_page
from jingfang.regions import codes
from jingfang.registry.selectors import patients_for

from . import deadlines, selectors, services_movement
from . import permissions as perms
from .forms import ReleaseForm
from .models import RELEASE_KINDS, RELEASE_STATUSES
from .views_common import STATES, base_context, done, list_audit, status_for


@perms.required(perms.VIEW_RELEASES)
def release_list(request):
    status = request.GET.get("status", "pending")
    status = status if status in ("", *RELEASE_STATUSES) else "pending"
    kind = request.GET.get("kind", "")
    kind = kind if kind in RELEASE_KINDS else ""
    q = request.GET.get("q", "").strip()[:50]
    qs = selectors.releases(request.user, status=status, kind=kind, q=q)
    page = paginate(request, qs)
    page.object_list = [{"notice": n, "deadline": deadlines.release_deadline(n)} for n in page.object_list]
    list_audit(request, "releases", page.paginator.count,
               sorted(k for k, v in {"kind": kind, "q": q, "status": status != "pending"}.items() if v))
    alert = None
    if request.user.role == roles.TOWNSHIP_OFFICE:
        alert = deadlines.overdue_counts(request.user)
    context = {
        **base_context(request, "releases"), "page": page, "qs": querystring_without_page(request),
        "filters": {"status": status, "kind": kind, "q": q}, "kinds": RELEASE_KINDS, "statuses": RELEASE_STATUSES,
        "states": STATES, "alert": alert,
    }
    return render(request, "intake/release_list.html", context)


@perms.required(perms.RECORD_RELEASE, audit_action="create")
def release_create(request):
    form, problem = ReleaseForm(initial={"notified_on": clock.today()}), None
    township_level = codes.level_of(request.user.region_id) == codes.TOWNSHIP
    if township_level:
        form.fields.pop("township_code")
    if request.method == "POST":
        data = {k: request.POST.get(k, "").strip() for k in form.fields}
        try:
            notice = services_movement.record_release(request.user, data, request=request)
        except errors.ServiceError as exc:
            problem = exc
            form = ReleaseForm(data=request.POST)
            form.is_valid()
            if township_level:
                form.fields.pop("township_code")
        else:
            linked = "（已关联辖区内档案）" if notice.patient_id else "（辖区内尚无档案）"
            return done(request, f"已登记释放/解除通知{linked}", "intake:release_detail", notice.pk)
    context = {**base_context(request, "releases"), "form": form, "problem": problem}
    return render(request, "intake/release_form.html", context, status=status_for(problem))


def _detail(request, notice, problem=None, status=200):
    context = {
        **base_context(request, "releases"), "notice": notice, "deadline": deadlines.release_deadline(notice),
        "states": STATES, "problem": problem,
        "patient_visible": bool(notice.patient_id
                                and patients_for(request.user).filter(pk=notice.patient_id).exists()),
    }
    return render(request, "intake/release_detail.html", context, status=status)


@perms.required(perms.VIEW_RELEASES)
def release_detail(request, pk):
    return _detail(request, selectors.get_release_for(request, pk))


@require_POST
@perms.required(perms.TAKE_OVER_RELEASE, audit_action="update")
def release_takeover(request, pk):
    notice = selectors.get_release_for(request, pk, action="update", audit_success=False)
    data = {"date": request.POST.get("date", ""), "text": request.POST.get("text", "")}
    try:
        notice = services_movement.take_over(request.user, notice, data, request=request)
    except errors.ServiceError as exc:
        notice.refresh_from_db()
        return _detail(request, notice, exc, exc.status)
    extra = "，在管状态已记为“在家居住”" if notice.patient_id else ""
    return done(request, f"已登记接管{extra}", "intake:release_detail", notice.pk)
