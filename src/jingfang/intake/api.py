"""API of the intake app, mounted under /api/v1/ (jingfang.api): report cards and discharge forms,
release handovers and transfers (齐云山镇2024 三（五）3、三（六）3; 当阳乡2022 四（三）). The routes live in api_reports and api_movement."""

from ninja import Router

from .api_movement import router as movement_router
from .api_reports import router as reports_router

router = Router()
router.add_router("", reports_router)
router.add_router("", movement_router)
