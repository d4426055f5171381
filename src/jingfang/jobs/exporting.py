"""Large exports as background jobs.

``exports.guard.send`` is the one way a file leaves the system. When an export it has let through
(under the threshold, exempt, or with a valid approval) counts more than
``JINGFANG_EXPORT_BACKGROUND_ROWS`` rows, it queues an ``export`` job instead of building the file in
the request, and the user is taken to the job's page. The worker then replays the very same request
(path, method, parameters, as the same user) through the same view, so everything is decided again
at that moment by the same code: the role's permission, the jurisdiction, the guard (an approval is
checked and used up there, the export audited with its row count). The file is kept on the job for
download (audited again) and deleted with the job's files after ``JINGFANG_JOB_FILE_DAYS``.
"""

from django.conf import settings
from django.contrib.messages.storage.session import SessionStorage
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import Resolver404, resolve, reverse

from jingfang.core import xlsx

from .kinds import JobFailed
from .models import Job, JobFile

IN_BACKGROUND = "_jingfang_export_in_background"
COUNT = "_jingfang_export_count"
NOT_REPLAYED = {"csrfmiddlewaretoken"}
REFUSED = "导出未完成：权限、辖区或审批已发生变化（审批只能使用一次且有有效期），请重新导出"


def threshold() -> int:
    return int(getattr(settings, "JINGFANG_EXPORT_BACKGROUND_ROWS", 2000))


def should_queue(request, count: int) -> bool:
    """An export of more rows than the threshold, asked for on a page (API callers get the file)."""
    return (count > threshold() and not getattr(request, IN_BACKGROUND, False)
            and not request.path.startswith("/api/"))


def note_count(request, count: int) -> None:
    setattr(request, COUNT, count)


def queue(request, *, count: int, filename: str, title: str) -> HttpResponse:
    from . import services

    method = "POST" if request.method == "POST" else "GET"
    data = request.POST if method == "POST" else request.GET
    pairs = [[k, v] for k in data for v in data.getlist(k) if k not in NOT_REPLAYED]
    job = services.submit(
        "export", owner=request.user, title=f"导出：{title}"[:200],
        params={"path": request.path, "method": method, "data": pairs, "filename": filename, "rows": count},
    )
    url = reverse("jobs:detail", args=[job.pk])
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _replay(job: Job, user) -> HttpRequest:
    params = job.params or {}
    request = HttpRequest()
    request.method = params.get("method", "GET")
    request.path = request.path_info = params["path"]
    query = QueryDict(mutable=True)
    for key, value in params.get("data", []):
        query.appendlist(key, value)
    if request.method == "POST":
        request.POST = query
    else:
        request.GET = query
    request.META = {"SERVER_NAME": "worker", "SERVER_PORT": "80", "REQUEST_METHOD": request.method}
    request.user = user
    request.session = SessionBase()
    request._messages = SessionStorage(request)
    from django_htmx.middleware import HtmxDetails

    request.htmx = HtmxDetails(request)
    setattr(request, IN_BACKGROUND, True)
    return request


def run_export(job: Job, report) -> dict:
    user = job.owner
    if user is None or not user.is_active:
        raise JobFailed("发起导出的账号已停用或删除，未生成文件")
    request = _replay(job, user)
    try:
        match = resolve(request.path)
    except Resolver404:
        raise JobFailed("导出地址已不存在，请重新导出") from None
    request.resolver_match = match
    report.phase("正在生成导出文件")
    Job.objects.filter(pk=job.pk).update(params={**(job.params or {}), "data": []})  # the search words go
    try:
        response = match.func(request, *match.args, **match.kwargs)
    except (PermissionDenied, Http404):
        response = None  # the view refused, and audited the refusal
    if response is None or response.status_code != 200 or response.get("Content-Type") != xlsx.XLSX_TYPE:
        raise JobFailed(REFUSED)
    filename = (job.params or {}).get("filename") or "导出.xlsx"
    from . import services

    services.attach(job, JobFile.RESULT, filename, xlsx.XLSX_TYPE, response.content)
    rows = getattr(request, COUNT, None)
    return {"message": f"导出文件已生成（{rows}行），请下载" if rows is not None else "导出文件已生成，请下载",
            "summary": [["行数", rows if rows is not None else "—"], ["文件", filename]], "rows": rows}
