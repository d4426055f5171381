"""Plumbing shared by every API router: authentication, error bodies, pagination.

Error bodies (API.md):
- 401/403/404 and other HTTP errors: ``{"detail": "<Chinese text>"}``;
- 422 validation errors, ours and pydantic's alike: ``{"errors": [{"field", "message"}]}`` where
  ``field`` is the dotted path inside the body or the name of the query/path parameter;
- services' errors (core.errors): their own status and ``as_payload()``.
"""

from typing import Annotated, Any

from django.conf import settings
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from ninja.security.base import AuthBase
from ninja.utils import check_csrf
from pydantic import BeforeValidator, ConfigDict

from jingfang.accounts import services as accounts
from jingfang.core import errors

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


def _blank_is_none(value):
    return None if value == "" else value


# Query parameters that may be sent empty (``?key_person=&page=``), meaning "not given".
OptionalBool = Annotated[bool | None, BeforeValidator(_blank_is_none)]
OptionalInt = Annotated[int | None, BeforeValidator(_blank_is_none)]


# Validation errors -----------------------------------------------------------------------------
# Field-specific wording for range errors, e.g. {"risk_level": "应为0至5的整数"}; routers add theirs.
FIELD_HINTS: dict[str, str] = {}


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

    def validation_error_from_error_contexts(self, error_contexts) -> ValidationError:
        exc = super().validation_error_from_error_contexts(error_contexts)
        single = [getattr(c.model, "__read_from_single_attr__", None) for c in error_contexts]
        for error in exc.errors:
            loc = list(error.get("loc", ()))
            if len(loc) >= 2 and loc[0] == "body" and loc[1] in single:
                del loc[1]
            error["field"] = ".".join(str(p) for p in loc[1:])
        return exc


def invalid(field: str, message: str) -> errors.Invalid:
    """A 422 naming one field, e.g. for a query parameter checked at run time."""
    return errors.Invalid([errors.FieldError(field, f"{field}：{message}")])


# Exception handlers ----------------------------------------------------------------------------
def install(api: NinjaAPI) -> None:
    """Register the Chinese error bodies on ``api``."""

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


# Pagination ------------------------------------------------------------------------------------
def page_bounds(page: int | None, page_size: int | None) -> tuple[int, int]:
    """Validated (page, size): page from 1; size defaults to and is capped by the settings."""
    page = 1 if page is None else page
    size = settings.JINGFANG_PAGE_SIZE if page_size is None else page_size
    if page < 1:
        raise invalid("page", "页码应从1开始")
    maximum = settings.JINGFANG_MAX_PAGE_SIZE
    if not 1 <= size <= maximum:
        raise invalid("page_size", f"每页条数应为1至{maximum}")
    return page, size


def paginate(queryset, page: int | None, page_size: int | None) -> tuple[int, list[Any]]:
    """(total count, the items of one page) of a queryset."""
    page, size = page_bounds(page, page_size)
    count = queryset.count()
    start = (page - 1) * size
    items = list(queryset[start : start + size]) if start < count else []
    return count, items
