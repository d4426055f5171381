"""Who may issue, see and close accountability measures, and see a joint consultation's record.

- Issue and close (销号): the governance office of the township (乡镇综治中心) and the county supervisor,
  for targets within their region (齐云山镇2024 四、3: the township's 通报、约谈; 平桥区2025 三（四）: the district
  with its departments).
- See every measure on targets within their region: the issuers and the health staff (township and village
  doctors).
- The target unit sees its own: a measure on 派出所 of a township is seen by that township's police, one on a
  village committee by its village cadre (vocab.UNITS).
- Linked incidents are shown to everyone who sees the measure without clinical content: date, kind,
  place, whether the review (倒查) is done; the review's findings stay on care's review page.
- A joint consultation's record is seen by whoever sees the meeting (care.selectors); its indicators
  computed from clinical fields are withheld from non-health roles (stats.permissions.visible_snapshot).
"""

from jingfang.accounts import roles
from jingfang.regions import codes

from . import vocab

ISSUERS = frozenset({roles.COUNTY_SUPERVISOR, roles.TOWNSHIP_OFFICE})
READERS = ISSUERS | {roles.TOWNSHIP_DOCTOR, roles.VILLAGE_DOCTOR}
TARGET_ROLES = frozenset(r for _label, _level, unit_roles in vocab.UNITS.values() for r in unit_roles)
VIEWERS = READERS | TARGET_ROLES  # may open the list (a target's list holds only its own)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_view(user) -> bool:
    return _active(user) and user.role in VIEWERS and roles.can(user.role, roles.VIEW_PATIENTS)


def can_issue(user) -> bool:
    return can_view(user) and user.role in ISSUERS


def can_export(user) -> bool:
    return can_view(user) and roles.can(user.role, roles.EXPORT)


def reads_all(user) -> bool:
    """Sees every measure on targets within the user's region (not only those on the user's own unit)."""
    return can_view(user) and user.role in READERS


def is_target(user, measure) -> bool:
    return (can_view(user) and user.role in vocab.unit_roles(measure.target_unit)
            and user.region_id == measure.target_region_id)


def can_see(user, measure) -> bool:
    if not can_view(user):
        return False
    if user.role in READERS and codes.is_within(measure.target_region_id, user.region_id):
        return True
    return is_target(user, measure)


def can_close(user, measure) -> bool:
    return can_issue(user) and codes.is_within(measure.target_region_id, user.region_id) and measure.closed_on is None
