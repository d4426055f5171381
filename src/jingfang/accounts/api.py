"""API: bearer tokens and the caller's identity (docs/api.md, "认证")."""

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from jingfang.accounts import roles
from jingfang.accounts.services import (
    LOGIN_FAILED,
    PASSWORD_EXPIRED,
    SignInThrottled,
    issue_token,
    revoke_token,
    sign_in,
)
from jingfang.core.api_support import ClosedSchema, Detail

router = Router(tags=["认证"])


class TokenIn(ClosedSchema):
    username: str = Field(..., max_length=150, description="用户名")
    password: str = Field(..., max_length=256, description="密码")
    otp: str | None = Field(
        None, max_length=10, description="6位动态口令；已绑定动态口令的用户和必须使用双因素认证的角色必填"
    )


class TokenOut(Schema):
    token: str = Field(..., description="在后续请求头中携带 Authorization: Bearer <token>")


class MeOut(Schema):
    username: str
    role: str
    role_label: str
    display_name: str
    region_code: str
    region_name: str
    sees_clinical: bool
    permissions: list[str]


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: Detail, 403: Detail, 429: Detail},
    summary="用户名密码换取令牌",
    description=(
        "连续失败达到次数后账号暂时锁定；用户不存在、密码错误、动态口令缺失或错误、已锁定时一律返回同样的401。"
        "同一地址登录失败过多时暂停受理（429）。密码已过期时不签发令牌（403，响应头带 X-Password-Expired: 1），"
        "请先在网页上修改密码。令牌在退出登录、修改密码、角色或区划变更、停用账号时全部失效，"
        "闲置超过会话闲置时限也失效。"
    ),
)
def obtain_token(request, payload: TokenIn, response: HttpResponse):
    try:
        user = sign_in(request, payload.username, payload.password, payload.otp)
    except SignInThrottled as exc:
        return Status(429, {"detail": str(exc)})
    if user is None:
        return Status(401, {"detail": LOGIN_FAILED})
    if user.password_expired():
        response["X-Password-Expired"] = "1"
        return Status(403, {"detail": PASSWORD_EXPIRED})
    return {"token": issue_token(user, request=request)}


@router.delete(
    "/auth/token",
    response={204: None, 400: Detail},
    summary="撤销当前令牌",
    description="使本次请求所携带的令牌立即失效（密码过期时也可调用）。用网页会话调用时没有令牌可撤销，返回400。",
)
def revoke_current_token(request):
    token_id = getattr(request, "api_token_id", None)
    if token_id is None:
        return Status(400, {"detail": "本次请求未携带令牌（Authorization: Bearer …），没有可撤销的令牌"})
    revoke_token(token_id, request=request)
    return Status(204, None)


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    user = request.auth
    region = user.region
    return {
        "username": user.username,
        "role": user.role,
        "role_label": user.role_label,
        "display_name": user.get_full_name() or user.username,
        "region_code": region.code,
        "region_name": region.full_name() or region.name,
        "sees_clinical": roles.sees_clinical(user.role),
        "permissions": sorted(roles.PERMISSIONS.get(user.role, ())),
    }
