"""Plumbing shared by every API router: authentication, error bodies, pagination.

Error bodies (docs/api.md, "错误"):
- 401/403/404 and other HTTP errors: ``{"detail": "<Chinese text>"}``;
- 422 validation errors, ours and pydantic's alike: ``{"errors": [{"field", "message"}]}`` where
  ``field`` is the dotted path inside the body or the name of the query/path parameter;
- services' errors (core.errors): their own status and ``as_payload()``.
The OpenAPI document declares every one of them, on every operation that can give it, with the one
shared schema ``ApiError`` (``JingfangAPI.get_openapi_schema``).
"""

import functools
import hashlib
import json
from typing import Annotated, Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from ninja.security.base import AuthBase
from ninja.utils import check_csrf
from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema

from jingfang.accounts import services as accounts
from jingfang.core import errors, idempotency

UNAUTHENTICATED = "未认证：请提供有效的令牌（Authorization: Bearer …）或先登录"
CSRF_FAILED = "CSRF校验失败，请刷新页面后重试"
BAD_BODY = "请求体不是有效的JSON"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


# Authentication --------------------------------------------------------------------------------
class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` with a token from POST /api/v1/auth/token."""

    openapi_description = "POST /api/v1/auth/token 取得令牌，然后在请求头中携带 Authorization: Bearer <token>"

    def authenticate(self, request: HttpRequest, token: str):
        found = accounts.token_for(token.strip(), request)
        if found is None:
            return None
        user = found.user
        # Selectors and the audit log read request.user, as they do for the pages.
        request.user = user
        request.api_token_id = found.pk  # DELETE /api/v1/auth/token ends this one
        if accounts.refused_for_expired_password(request, user):
            raise HttpError(403, accounts.PASSWORD_EXPIRED)
        return user


class SessionAuth(AuthBase):
    """The web pages' Django session (htmx calls, the browsable docs); CSRF-checked for unsafe methods.

    Not consulted when an Authorization header is present: a bad token is a 401, never a fallback.
    """

    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_description = "网页登录后的会话（非GET请求须带 X-CSRFToken 请求头）"
    csrf = True  # tells the docs page to send the CSRF token

    def __init__(self) -> None:
        self.param_name = settings.SESSION_COOKIE_NAME
        self.openapi_name = self.param_name
        super().__init__()

    def __call__(self, request: HttpRequest):
        if request.headers.get("Authorization"):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if accounts.refused_for_expired_password(request, user):
            raise HttpError(403, accounts.PASSWORD_EXPIRED)
        if request.method not in SAFE_METHODS and not getattr(request, "_ninja_csrf_exempt", False):
            if check_csrf(request) is not None:
                raise HttpError(403, CSRF_FAILED)
        return user


AUTH = [TokenAuth(), SessionAuth()]


# Schemas ---------------------------------------------------------------------------------------
class ClosedSchema(Schema):
    """An input schema that refuses unknown keys (422 naming the key): no mass assignment."""

    model_config = ConfigDict(extra="forbid")


class Problem(Schema):
    """422/403/409 body: ``{"errors": [{"field", "message"}], ...}``."""

    errors: list[dict]


class Detail(Schema):
    """401/404 body."""

    detail: str


class FieldErrorOut(Schema):
    field: str = Field(description="出错的字段（请求体内的点分路径或参数名），整体错误为空")
    message: str = Field(description="中文说明，以字段名开头")


class ApiError(Schema):
    """Every error answer of the API, in the OpenAPI document (400/401/403/404/409/422/429).

    Either ``detail`` (HTTP errors: 401, 404, some 403) or ``errors`` (validation and services' refusals);
    a 409 adds ``current_version`` and ``changes``, hence the other keys allowed.
    """

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "description": "错误答复：detail（一句中文说明）或 errors（逐字段的中文说明），409 另含 current_version、changes",
        "anyOf": [{"required": ["detail"]}, {"required": ["errors"]}]})

    detail: str = Field(None, description="中文说明")
    errors: list[FieldErrorOut] = Field(None, description="逐字段的中文说明")


def _blank_is_none(value):
    return None if value == "" else value


def _or_blank(schema: dict, description: str | None = None) -> WithJsonSchema:
    """The document's account of a parameter that may also be sent empty or null, meaning not given."""
    declared = {"anyOf": [schema, {"type": "string", "maxLength": 0}, {"type": "null"}]}
    return WithJsonSchema(declared | ({"description": description} if description else {}))


# Query parameters that may be sent empty (``?key_person=&page=``), meaning "not given".
OptionalBool = Annotated[bool | None, BeforeValidator(_blank_is_none), _or_blank({"type": "boolean"})]
OptionalInt = Annotated[int | None, BeforeValidator(_blank_is_none), _or_blank({"type": "integer"})]


def optional_int_within(minimum: int, maximum: int, description: str | None = None):
    """An OptionalInt whose range the handler checks (with its own wording), declared in the document."""
    return Annotated[int | None, BeforeValidator(_blank_is_none),
                     _or_blank({"type": "integer", "minimum": minimum, "maximum": maximum}, description)]


def checked_year(year: int | None, minimum: int = 2000, maximum: int = 2100, field: str = "year") -> int | None:
    """An ``optional_int_within`` year checked: None, or within the range, else a 422 naming the field (a
    year lookup on a date outside 1–9999 would otherwise fail in the database layer)."""
    if year is not None and not minimum <= year <= maximum:
        raise invalid(field, f"应为{minimum}至{maximum}年")
    return year


# The page of a list operation (query parameters or a search body): bounds declared in the document
# and enforced by validation (422 naming the parameter), and again by page_bounds for any caller.
MAX_PAGE_SIZE = settings.JINGFANG_MAX_PAGE_SIZE
Page = Annotated[Annotated[int, Field(ge=1)] | None, BeforeValidator(_blank_is_none),
                 _or_blank({"type": "integer", "minimum": 1}, "页码，从1开始")]
PageSize = Annotated[Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] | None, BeforeValidator(_blank_is_none),
                     _or_blank({"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                               f"每页条数，默认{settings.JINGFANG_PAGE_SIZE}，最大{MAX_PAGE_SIZE}")]


# Validation errors -----------------------------------------------------------------------------
# Field-specific wording for range errors, e.g. {"risk_level": "应为0至5的整数"}; routers add theirs.
FIELD_HINTS: dict[str, str] = {
    "page": "页码应为从1开始的整数",
    "page_size": f"每页条数应为1至{MAX_PAGE_SIZE}的整数",
}


def describe_fields(hints: dict[str, str]) -> None:
    FIELD_HINTS.update(hints)


_MESSAGES = {
    "missing": "必填",
    "extra_forbidden": "不是可接受的字段",
    "string_type": "应为文本",
    "string_too_short": "长度不能少于{min_length}个字符",
    "string_too_long": "长度不能超过{max_length}个字符",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期（YYYY-MM-DD），不含时间",
    "greater_than_equal": "不能小于{ge}",
    "greater_than": "应大于{gt}",
    "less_than_equal": "不能大于{le}",
    "less_than": "应小于{lt}",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "list_type": "应为列表",
    "too_long": "最多{max_length}项",
    "json_invalid": BAD_BODY,
}
_HINTED = {"int_type", "int_parsing", "int_from_float", "greater_than_equal", "greater_than", "less_than_equal", "less_than"}


def error_message(field: str, error: dict) -> str:
    kind = error.get("type", "")
    leaf = field.rsplit(".", 1)[-1]
    if kind in _HINTED and (field in FIELD_HINTS or leaf in FIELD_HINTS):
        text = FIELD_HINTS.get(field) or FIELD_HINTS[leaf]
    else:
        ctx = {k: v for k, v in (error.get("ctx") or {}).items()}
        if "expected" in ctx:
            ctx["expected"] = str(ctx["expected"]).replace("'", "").replace(" or ", ", ")
        try:
            text = _MESSAGES[kind].format(**ctx)
        except (KeyError, IndexError):
            text = "取值无效"
    return f"{field}：{text}" if field else text


def translate(exc_errors: list[dict]) -> list[dict]:
    out = []
    for error in exc_errors:
        field = error.get("field")
        if field is None:
            loc = [str(p) for p in error.get("loc", ())]
            field = ".".join(loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie", "form") else loc)
        out.append({"field": field, "message": error_message(field, error)})
    return out


class Utf8JSONRenderer(JSONRenderer):
    """Chinese text as UTF-8 rather than \\u escapes (the content type says charset=utf-8)."""

    json_dumps_params = {"ensure_ascii": False}


class JingfangAPI(NinjaAPI):
    """NinjaAPI whose validation errors name the field as the client wrote it (no parameter name)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("renderer", Utf8JSONRenderer())
        super().__init__(*args, **kwargs)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        declare_errors(schema)
        return schema

    def validation_error_from_error_contexts(self, error_contexts) -> ValidationError:
        exc = super().validation_error_from_error_contexts(error_contexts)
        single = [getattr(c.model, "__read_from_single_attr__", None) for c in error_contexts]
        for error in exc.errors:
            loc = list(error.get("loc", ()))
            if len(loc) >= 2 and loc[0] == "body" and loc[1] in single:
                del loc[1]
            error["field"] = ".".join(str(p) for p in loc[1:])
        return exc


# The error answers in the OpenAPI document: what each status means, and which operations can give it.
ERROR_ANSWERS = {
    400: "请求体无法解析（不是有效的JSON或表单）",
    401: "未认证：令牌缺失、无效或已过期",
    403: "无权进行此操作（角色、权限、CSRF校验或须先绑定动态口令）",
    404: "不存在，或不在您的辖区内",
    409: "与当前状态冲突（如版本已变、重复登记、状态不允许）",
    422: "输入有误：逐字段的中文说明",
    429: "请求过于频繁，稍后再试",
    503: "数据库暂时无法访问：请按 Retry-After 头（秒）稍后重试（写入请带同一 Idempotency-Key 原样重发）",
}
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
# ``openapi_extra`` of an operation that reads although sent by POST (a search with its query in the
# body, a reveal of full identifiers): not a write, so ``guard_writes`` keeps no answer for it and
# ignores an Idempotency-Key; a repeat runs again, through the jurisdiction gate, and is audited again.
READ_BY_POST = {"x-jingfang-read": True}


def reads(operation_extra: dict | None) -> bool:
    return bool((operation_extra or {}).get("x-jingfang-read"))


def _error_statuses(method: str, operation: dict) -> set[int]:
    """The error statuses an operation can answer with (beyond those it declares itself)."""
    statuses = set()
    if operation.get("requestBody"):
        statuses |= {400, 422}
    if operation.get("parameters"):
        statuses.add(422)
    if operation.get("security"):
        # Any signed-in call: a bad token, the role's or the jurisdiction's refusals, the enrolment gate.
        statuses |= {401, 403, 404}
        if method in WRITE_METHODS:
            statuses.add(409)
    return statuses | {503}


IDEMPOTENCY_PARAMETER = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "description": (
        "幂等键（可选）：客户端为每个写入请求生成一个键（如UUID），重试时原样重发同一请求与同一键。"
        "同一用户以同一键、同一请求重发时不再写入，返回首次的答复（状态与内容相同），并带 Idempotent-Replayed: true；"
        "同一键用于内容不同的请求返回422。同时到达的重复请求等待首个请求完成后得到同一答复。"
        f"只保留成功的答复，保留{settings.JINGFANG_IDEMPOTENCY_DAYS}天；被拒绝（4xx）的请求可用同一键再发。"
        f"键为1至{idempotency.MAX_KEY_LENGTH}个可见ASCII字符，按用户区分。"),
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH,
               "pattern": idempotency.KEY_PATTERN},
}


def declare_errors(schema: dict) -> None:
    """Every error status each operation can give, all with the shared ``ApiError`` body (L9: the
    document says what the answers are, so clients and schemathesis can rely on it); and the
    ``Idempotency-Key`` header every signed-in write accepts (``guard_writes``)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ApiError.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ApiError"] = error_schema
    ref = {"$ref": "#/components/schemas/ApiError"}
    for path in schema.get("paths", {}).values():
        for method, operation in path.items():
            if method in WRITE_METHODS and operation.get("security") and not reads(operation):
                operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))
            responses = {str(code): answer for code, answer in operation.get("responses", {}).items()}
            declared = {int(code) for code in responses if code.isdigit()}
            for status in _error_statuses(method, operation) | (declared & ERROR_ANSWERS.keys()):
                responses[str(status)] = {"description": ERROR_ANSWERS[status],
                                          "content": {"application/json": {"schema": ref}}}
                if status == 503:
                    responses["503"]["headers"] = {"Retry-After": {
                        "description": "稍后重试前应等待的秒数", "schema": {"type": "integer", "minimum": 0}}}
            operation["responses"] = dict(sorted(responses.items()))


def invalid(field: str, message: str) -> errors.Invalid:
    """A 422 naming one field, e.g. for a query parameter checked at run time."""
    return errors.Invalid([errors.FieldError(field, f"{field}：{message}")])


# Exception handlers ----------------------------------------------------------------------------
def install(api: NinjaAPI) -> None:
    """Register the Chinese error bodies on ``api``, and the transaction and key of every write."""
    api.add_decorator(guard_writes, mode="view")

    @api.exception_handler(errors.ServiceError)
    def service_error(request, exc: errors.ServiceError):
        return api.create_response(request, exc.as_payload(), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return api.create_response(request, {"errors": translate(exc.errors)}, status=422)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(request, {"detail": UNAUTHENTICATED}, status=401)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        message = str(exc)
        if message.startswith("Cannot parse request body"):
            message = BAD_BODY
        return api.create_response(request, {"detail": message}, status=exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, {"detail": str(exc) or "未找到"}, status=404)


# Writes: one transaction each, idempotent with a key ----------------------------------------------
def guard_writes(run):
    """Ninja "view" decorator (``api.add_decorator(guard_writes, mode="view")``) for every write operation.

    - The whole operation, building and rendering its answer included, runs in one transaction: an
      answer is complete before anything is committed, so a database failure after the commit cannot
      turn a committed write into an error (and a failure before it leaves nothing behind). An answer
      5xx rolls the transaction back; refusals (4xx) commit, keeping their audit rows.
    - A signed-in write sent with an ``Idempotency-Key`` is done once per user and key (core.idempotency):
      a repeat gets the first answer with ``Idempotent-Replayed: true``, if the user may still see it
      (``idempotency.may_replay``).
    - Reads sent by POST (``READ_BY_POST``) are left alone: no answer is kept, a key is ignored.
    """
    operation = getattr(run, "__self__", None)
    if operation is None or not {m.lower() for m in operation.methods} & WRITE_METHODS:
        return run
    if reads(operation.openapi_extra):
        return run
    authenticate = operation._run_checks

    def checks_once(request):
        # Authentication ran in ``guarded`` (the key is the signed-in user's); not again inside ``run``.
        if getattr(request, "_jingfang_checked", False):
            return None
        return authenticate(request)

    operation._run_checks = checks_once

    @functools.wraps(run)
    def guarded(request, *args, **kwargs):
        if request.method.lower() not in WRITE_METHODS:
            return run(request, *args, **kwargs)
        refused = authenticate(request)
        if refused is not None:
            return refused
        request._jingfang_checked = True
        user = getattr(request, "auth", None)
        key = request.headers.get(idempotency.HEADER)
        if key is None or not getattr(user, "is_authenticated", False):
            with transaction.atomic():
                response = run(request, *args, **kwargs)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
            return response
        try:
            result = idempotency.run_once(
                user, key, method=request.method, path=request.get_full_path(), body_hash=_body_hash(request),
                request=request,
                execute=lambda: run(request, *args, **kwargs), keep=_kept_answer,
                failed=lambda response: response.status_code >= 500)
        except Exception as exc:  # a refused key or replay (422, 409, 404): the API's own error answers
            return operation.api.on_exception(request, exc)
        if isinstance(result, idempotency.Answer):
            response = HttpResponse(result.body, status=result.status, content_type=result.content_type)
            response[idempotency.REPLAYED_HEADER] = "true"
            return response
        return result

    return guarded


def _kept_answer(response) -> idempotency.Answer | None:
    if response.streaming or not 200 <= response.status_code < 300:
        return None
    return idempotency.Answer(response.status_code, response.content.decode("utf-8"),
                              response.get("Content-Type", idempotency.Answer.content_type))


def _body_hash(request) -> str:
    kind = request.META.get("CONTENT_TYPE", "")
    try:
        return idempotency.body_digest(request.body, kind)
    except RawPostDataException:
        # A form or upload already parsed (core.middleware): its fields and the files' contents.
        parts = [[name, request.POST.getlist(name)] for name in sorted(request.POST)]
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                sha = hashlib.sha256()
                for chunk in upload.chunks():
                    sha.update(chunk)
                upload.seek(0)
                parts.append([name, upload.name, sha.hexdigest()])
        return idempotency.digest(json.dumps(parts, ensure_ascii=False))


# Pagination ------------------------------------------------------------------------------------
def page_bounds(page: int | None, page_size: int | None) -> tuple[int, int]:
    """Validated (page, size): page from 1; size defaults to and is capped by the settings."""
    page = 1 if page is None else page
    size = settings.JINGFANG_PAGE_SIZE if page_size is None else page_size
    if page < 1:
        raise invalid("page", "页码应从1开始")
    maximum = min(settings.JINGFANG_MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    if not 1 <= size <= maximum:
        raise invalid("page_size", f"每页条数应为1至{maximum}")
    return page, size


def page_of(rows: list, page: int | None, page_size: int | None) -> list:
    """One page of rows already in memory (the count stays that of all rows)."""
    page, size = page_bounds(page, page_size)
    return rows[(page - 1) * size: page * size]


def paginate(queryset, page: int | None, page_size: int | None) -> tuple[int, list[Any]]:
    """(total count, the items of one page) of a queryset."""
    page, size = page_bounds(page, page_size)
    count = queryset.count()
    start = (page - 1) * size
    items = list(queryset[start : start + size]) if start < count else []
    return count, items
