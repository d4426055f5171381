"""我的任务: the list of a user's background jobs and each job's page with its progress bar.

The bar is a <progress> element in a card that htmx reloads every second while the job is queued or
running (hx-trigger="every 1s" on the card); a finished job's card carries no trigger, so polling
stops by itself. No script of our own, nothing inline (strict CSP).
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from jingfang.audit import log as audit
from jingfang.core import xlsx

from . import kinds, selectors, services
from .models import Job, JobFile
from .progress import live

QUEUED_TOO_LONG = 120  # seconds: a job still queued after this suggests no worker is running


def card_context(job: Job) -> dict:
    job = live(job)
    waiting = (timezone.now() - job.created_at).total_seconds() if job.status == Job.QUEUED else 0
    files = [f for f in job.files.all().only("id", "purpose", "name", "size") if f.purpose != JobFile.INPUT]
    table = (job.result or {}).get("table") or {}
    headers = table.get("headers") or []
    return {
        "job": job,
        "table_rows": [list(zip(headers, row, strict=False)) for row in table.get("rows") or []],
        "kind_label": kinds.label(job.kind),
        "files": files,
        "no_worker": waiting > QUEUED_TOO_LONG,
        "result": job.result or {},
    }


@require_GET
@login_required
def job_list(request):
    services.reap_stale()
    qs = selectors.jobs_for(request.user).select_related("owner")
    page = Paginator(qs, settings.JINGFANG_PAGE_SIZE).get_page(request.GET.get("page"))
    for job in page.object_list:
        live(job)
    return render(request, "jobs/job_list.html", {"page": page, "kinds": kinds})


@require_GET
@login_required
def job_detail(request, pk):
    return render(request, "jobs/job_detail.html", card_context(_current_job(request, pk)))


@require_GET
@login_required
def job_card(request, pk):
    """The polled card (htmx)."""
    return render(request, "jobs/_card.html", card_context(_current_job(request, pk)))


def _current_job(request, pk) -> Job:
    """The user's job; a running one whose worker died is first marked failed."""
    job = selectors.get_job_for(request, pk)
    if job.status == Job.RUNNING:
        services.reap_stale()
        job.refresh_from_db()
    return job


@require_GET
@login_required
def job_file(request, pk, purpose):
    job = selectors.get_job_for(request, pk)
    f = JobFile.objects.filter(job=job, purpose=purpose).exclude(purpose=JobFile.INPUT).first()
    if f is None:
        audit.record_request(request, "export", outcome="not_found", target=f"job:{job.pk}", detail={"file": purpose})
        return render(request, "jobs/file_gone.html", {"job": job}, status=404)
    audit.record_request(request, "export", target=f"job:{job.pk}", detail={"file": purpose, "bytes": f.size})
    if f.content_type == xlsx.XLSX_TYPE:
        return xlsx.xlsx_response(f.name, services.unseal(bytes(f.data)))
    response = HttpResponse(services.unseal(bytes(f.data)), content_type=f.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f.name)}"
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def job_rerun(request, pk):
    job = selectors.get_job_for(request, pk)
    if job.owner_id != request.user.pk:
        audit.record_request(request, "update", outcome="denied", target=f"job:{job.pk}")
        messages.error(request, "只有发起人可以重新运行此任务")
    else:
        try:
            with transaction.atomic():  # queued again only with its audit row
                services.rerun(job)
                audit.record_request(request, "update", target=f"job:{job.pk}", detail={"rerun": True})
            messages.success(request, "已重新排队运行")
        except ValueError as exc:
            messages.error(request, str(exc))
    return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
