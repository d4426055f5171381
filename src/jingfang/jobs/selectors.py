"""Reading jobs: a user sees the jobs they started; administrators also see the system's own jobs
(the nightly recomputation). Anyone else's job answers 404, like one that does not exist, audited."""

from django.db.models import Q, QuerySet
from django.http import Http404

from jingfang.accounts import roles
from jingfang.audit import log as audit

from .models import Job


def jobs_for(user) -> QuerySet[Job]:
    if user is None or not user.is_authenticated:
        return Job.objects.none()
    if roles.can(user.role, roles.MANAGE_USERS):
        return Job.objects.filter(Q(owner=user) | Q(owner__isnull=True))
    return Job.objects.filter(owner=user)


def get_job_for(request, pk) -> Job:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("任务不存在") from None
    job = jobs_for(request.user).filter(pk=pk).first()
    if job is None:
        exists = Job.objects.filter(pk=pk).exists()
        audit.record_request(request, "view", outcome="denied" if exists else "not_found", target=f"job:{pk}")
        raise Http404("任务不存在")
    return job
