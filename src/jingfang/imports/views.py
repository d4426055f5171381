"""台账导入 page: upload a ledger (or just check it), download the template; the work runs in the
background and the user is taken to the job's page with its progress bar."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from jingfang.audit import log as audit
from jingfang.core import errors, xlsx
from jingfang.jobs.models import Job

from . import ledger, services, sheets
from .forms import ImportForm
from .models import ImportBatch


def _guard(request):
    if not services.may_import(request.user):
        audit.record_request(request, "import", outcome="denied", target=f"page:{request.path[:100]}")
        raise PermissionDenied("您的角色无权导入患者台账")


@require_http_methods(["GET", "POST"])
@login_required
def upload(request):
    _guard(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_import(request.user, form.cleaned_data["file"], form.cleaned_data["mode"],
                                        request=request)
        except errors.ServiceError as exc:
            for e in exc.errors:
                form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, "文件已上传，正在后台处理")
            return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
    lim = ledger.limits()
    recent = Job.objects.filter(owner=request.user, kind=services.KIND).order_by("-created_at")[:10]
    batches = ImportBatch.objects.filter(uploaded_by=request.user).order_by("-created_at")[:10]
    return render(request, "imports/upload.html", {
        "form": form, "recent": recent, "batches": batches,
        "limits": {"mb": lim.mb, "rows": lim.max_rows},
    })


@require_GET
@login_required
def template(request):
    _guard(request)
    return xlsx.xlsx_response(sheets.TEMPLATE_NAME, sheets.template())
