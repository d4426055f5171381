"""Every write of the care area goes through one of these functions (pages and API alike).

Each validates completely before writing, writes in one transaction, and audits. They live in one
module per subject; this module is the single place to import them from.
"""

from .services_guardianship import create_agreement, current_agreements, replace_guardian, revoke_agreement
from .services_incident import count_dangerous_act, record_incident, save_review
from .services_meeting import complete_task, save_meeting
from .services_team import (
    attendee_choices,
    joint_visit_minimum,
    joint_visit_problem,
    reveal_directory_phones,
    reveal_team_phones,
    save_team,
    team_missing,
)

__all__ = [
    "attendee_choices",
    "complete_task",
    "count_dangerous_act",
    "create_agreement",
    "current_agreements",
    "joint_visit_minimum",
    "joint_visit_problem",
    "record_incident",
    "replace_guardian",
    "reveal_directory_phones",
    "reveal_team_phones",
    "revoke_agreement",
    "save_meeting",
    "save_review",
    "save_team",
    "team_missing",
]
