"""The HTTP API (its OpenAPI document is the contract): one NinjaAPI, each app contributes a router under /api/v1/."""

from jingfang.accountability.api import router as accountability_router
from jingfang.accounts.api import router as accounts_router
from jingfang.care.api import router as care_router
from jingfang.core import api_support
from jingfang.emergency.api import router as emergency_router
from jingfang.exchange.api import router as exchange_router
from jingfang.exports.api import router as exports_router
from jingfang.followups.api import router as followups_router
from jingfang.imports.api import router as imports_router
from jingfang.intake.api import router as intake_router
from jingfang.jobs.api import router as jobs_router
from jingfang.offline.api import router as offline_router
from jingfang.regions.api import router as regions_router
from jingfang.registry.api import router as registry_router
from jingfang.rehab.api import router as rehab_router
from jingfang.screening.api import router as screening_router
from jingfang.stats.api import router as stats_router
from jingfang.support.api import router as support_router
from jingfang.workforce.api import router as workforce_router

api = api_support.JingfangAPI(
    title="jingfang API",
    version="1",
    description=(
        "严重精神障碍患者服务管理系统接口。路径与字段名是稳定契约，以本接口文档（OpenAPI）为准。\n\n"
        "认证：POST /api/v1/auth/token 取得令牌后携带 `Authorization: Bearer <token>`；"
        "网页登录后的会话也可使用（非GET请求须带 X-CSRFToken）。\n\n"
        "错误：422 `{\"errors\": [{\"field\", \"message\"}]}`；409 另含 current_version、changes；"
        "401/404 `{\"detail\"}`；每个操作可能返回的错误状态都已声明，结构统一为 ApiError。"
        "辖区外的患者与不存在的患者一样返回404。"
        "数据库暂时无法访问时返回503，带 Retry-After（秒）；其他意外错误返回500 `{\"detail\"}`，不含内部信息。\n\n"
        "重试与幂等：每个写入操作（POST/PUT/PATCH/DELETE）连同答复在同一事务中完成：答复为错误即未写入，"
        "已提交的写入不会答复错误。可能重试的客户端（网络不稳的手机、离线队列）为每个写入生成一个 Idempotency-Key"
        "（1至200个可见ASCII字符，如UUID），重试时原样重发同一请求与同一键：只写入一次，重发得到首次的答复"
        "（状态与内容相同，带 Idempotent-Replayed: true），不再重复写入（重发时若答复涉及的患者已不在辖区内返回404）；同一键用于不同的请求返回422。"
        "键按用户区分；同时到达的重复请求等待首个完成后得到同一答复；只保留成功的答复。\n\n"
        f"分页：列表接口的 page 从1开始，page_size 为1至{api_support.MAX_PAGE_SIZE}，超出范围返回422。\n\n"
        "完整说明（认证与令牌、错误、分页、并发修改、重试与幂等、按业务分组的全部接口与数据结构）见源代码中的 docs/api.md，"
        "由本接口文档生成并经测试核对。"
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=api_support.AUTH,
)
api_support.install(api)

api.add_router("/v1/", accounts_router)
api.add_router("/v1/", regions_router)
api.add_router("/v1/", registry_router)
api.add_router("/v1/", followups_router)
api.add_router("/v1/", screening_router)
api.add_router("/v1/", intake_router)
api.add_router("/v1/", care_router)
api.add_router("/v1/", support_router)
api.add_router("/v1/", stats_router)
api.add_router("/v1/", exchange_router)
api.add_router("/v1/", jobs_router)
api.add_router("/v1/", imports_router)
api.add_router("/v1/emergency", emergency_router)
api.add_router("/v1/exports", exports_router)
api.add_router("/v1/offline", offline_router)
api.add_router("/v1/", workforce_router)
api.add_router("/v1/", accountability_router)
api.add_router("/v1/", rehab_router)
