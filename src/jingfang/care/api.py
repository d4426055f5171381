"""API of the care area under /api/v1/: care teams and the directory, meetings, guardianship
agreements, incidents and their review timeline. Each subject has its own module and router."""

from ninja import Router

from .api_guardianship import router as guardianship_router
from .api_incident import router as incident_router
from .api_meeting import router as meeting_router
from .api_team import router as team_router

router = Router()
router.add_router("", team_router)
router.add_router("", meeting_router)
router.add_router("", guardianship_router)
router.add_router("", incident_router)
