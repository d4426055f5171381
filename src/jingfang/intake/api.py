"""API of the intake app, mounted under /api/v1/ (jingfang.api): report cards and discharge forms,
release handovers and transfers (DOMAIN.md §4). The routes live in api_reports and api_movement."""

from ninja import Router

from .api_movement import router as movement_router
from .api_reports import router as reports_router

router = Router()
router.add_router("", reports_router)
router.add_router("", movement_router)
