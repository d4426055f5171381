"""API (mounted under /api/v1/): guardian rewards, liability insurance, benefits, hospitalisation relief,
treatment cost burden."""

from ninja import Router

from .api_costs import router as costs_router
from .api_relief import router as relief_router
from .api_rewards import router as rewards_router

router = Router()
router.add_router("", rewards_router)
router.add_router("", relief_router)
router.add_router("", costs_router)
