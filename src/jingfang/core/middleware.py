"""Answers that no input may turn into a 500, and answers that no cache may keep.

``RequestHygieneMiddleware`` (after authentication, so that refusals are audited with the user):

- a path holding a run of more than ``MAX_ID_DIGITS`` digits names no object (ids stay far below
  10^15) and may hold an ID number: it answers 404 like any missing object (the API: its JSON body),
  audited without the number (the audit log scrubs paths), before a view could put it anywhere; so
  does such a number as the value of an id parameter of the query string (``patient_id``,
  ``?patient=``, ``pk``…; not the free-text ``q``, which the search pages handle themselves);
- a body the multipart parser refuses (no or a bad boundary, non-ASCII header) answers 400, audited.

``NoStoreMiddleware``: every answer of the application carries ``Cache-Control: no-store`` and
``Pragma: no-cache`` (pages, API answers, reveals and exports hold personal data; no browser or proxy
may keep them). Static files are answered by WhiteNoise before this middleware and keep their caching.
"""

import re

from django.http import Http404, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError

from jingfang.audit import log as audit

MAX_ID_DIGITS = 15
_LONG_NUMBER = re.compile(rf"\d{{{MAX_ID_DIGITS + 1},}}")
_ID_NAME = re.compile(r"(?:^|_)(?:id|pk|patient|person|lead)$")
NOT_FOUND = "未找到"
BAD_BODY = "请求体无法解析（multipart 格式错误或缺少 boundary）"
_ACTIONS = {"GET": "view", "HEAD": "view", "POST": "create"}


def _action(request) -> str:
    return _ACTIONS.get(request.method, "update")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


class RequestHygieneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _form_post(request):
            try:
                request.POST  # noqa: B018 -- parse now, where a refusal can be answered and audited
            except MultiPartParserError:
                audit.record_request(request, _action(request), outcome="invalid", detail={"reason": "bad_multipart"})
                if _is_api(request):
                    return JsonResponse({"detail": BAD_BODY}, status=400, json_dumps_params={"ensure_ascii": False})
                return HttpResponse(BAD_BODY, status=400, content_type="text/plain; charset=utf-8")
        if _LONG_NUMBER.search(request.path) or _long_id_parameter(request):
            audit.record_request(request, _action(request), outcome="not_found",
                                 detail={"reason": "id_out_of_range"})
            if _is_api(request):
                return JsonResponse({"detail": NOT_FOUND}, status=404, json_dumps_params={"ensure_ascii": False})
            raise Http404(NOT_FOUND)
        return self.get_response(request)


def _form_post(request) -> bool:
    kind = request.META.get("CONTENT_TYPE", "").lower()
    return request.method == "POST" and kind.startswith(("multipart/", "application/x-www-form-urlencoded"))


def _long_id_parameter(request) -> bool:
    """An id parameter of the query string holding 16 or more digits. (Form fields are left to the
    views: some take a whole ID number by POST, e.g. the transfer form's ``patient``.)"""
    return any(_ID_NAME.search(key) and _LONG_NUMBER.search(value)
               for key in request.GET for value in request.GET.getlist(key))


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response
