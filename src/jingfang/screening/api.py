"""API: screening (摸排筛查) under /api/v1/: leads (疑似患者线索) and campaigns (摸排行动)."""

from ninja import Router

from .api_campaigns import router as campaigns_router
from .api_leads import router as leads_router

router = Router()
router.add_router("", leads_router)
router.add_router("", campaigns_router)
