"""The HTTP API (../shared/API.md): one NinjaAPI, each app contributes a router."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="jingfang API",
    version="1",
    description="严重精神障碍患者服务管理系统接口。路径与字段名是稳定契约，见 API.md。",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
