"""Who approves whose large export, and when an export needs approval. Pure functions over plain data.

Why these approvers (《中华人民共和国精神卫生法》第四条; 《中华人民共和国个人信息保护法》第六条;
当阳乡2022 五（五）"坚决防止发生信息泄露"):

- The township comprehensive-governance office (乡镇综治中心/平安办) leads the township's care work and
  the monthly information exchange between the township's health centre, police, civil affairs and
  the disabled persons' federation (齐云山镇2024 三（六）2; 平桥区2025 三（二）). It is therefore the
  authority that decides whether
  a large list of the township's patients may leave the system: it approves the exports of every
  user whose region is the township or one of its villages (health-centre staff, village doctors,
  community police, township civil affairs, DPF, judicial).
- The township office cannot approve its own large exports (no one approves themselves): they go one
  level up, to the county supervisor (县疾控/卫健/政法) over the township, who oversees the townships.
  Users placed at county level or above (e.g. a county civil-affairs bureau) also go to a county
  supervisor whose region contains theirs: no township office stands over them.
- County supervisors are exempt: their duty is county-wide oversight (inspections, statistics), there
  is nobody above them in the system, and requiring a peer's approval would only add a formality.
  Their large exports are still audited with the row count and marked ``exempt`` in the audit detail.
- A county supervisor may also decide a pending request of a township user in the county (a higher
  level may always decide), so that a township without an active office is not stuck; the worklist
  only nudges the designated approver.
- Exports of aggregates (statistics, quarterly fund totals) hold no personal rows and never need
  approval; they are audited like every other export.

Threshold (``JINGFANG_EXPORT_APPROVAL_ROWS``, default 500 personal rows): a township of 30,000–60,000
people at the detection target (≥5 per thousand residents, 薛城区2016 一（二）1) has 150–300 registered
patients, so a township's (or a village's) own complete lists export at once, while county-wide and
multi-township dumps, the ones a leak would hurt most, need a second person's decision.

Rolling window (``JINGFANG_EXPORT_WINDOW_HOURS``, default 24): the threshold caps the personal rows a
user takes out without approval within the window, summed over every export and every API list page
(exports.volume), so that a county's list cannot leave village by village or page by page.
"""

from jingfang.accounts import roles
from jingfang.regions import codes

DEFAULT_THRESHOLD = 500
DEFAULT_VALID_HOURS = 24
DEFAULT_WINDOW_HOURS = 24
DRAFT_HOURS = 24  # an approval page not followed up is forgotten after this
PENDING_DAYS = 7  # a request nobody decided expires (ask again)
GROWTH = 0.10  # the list may grow this much (or by GROWTH_MIN rows) between approval and download
GROWTH_MIN = 10
REASON_MIN, REASON_MAX, NOTE_MAX = 5, 300, 300

DRAFT, PENDING, APPROVED, REJECTED, DOWNLOADED, EXPIRED = (
    "draft", "pending", "approved", "rejected", "downloaded", "expired")
STATUS_LABELS = {DRAFT: "未提交", PENDING: "待审批", APPROVED: "已批准，待下载", REJECTED: "未批准",
                 DOWNLOADED: "已下载", EXPIRED: "已过期"}
EXEMPT_ROLES = frozenset({roles.COUNTY_SUPERVISOR})
APPROVER_ROLES = frozenset({roles.TOWNSHIP_OFFICE, roles.COUNTY_SUPERVISOR})
IGNORED_PARAMS = frozenset({"approval", "csrfmiddlewaretoken", "page"})


def township_of(region_code: str) -> str | None:
    """The township code above (or at) a village or township code; None above township level."""
    if codes.level_of(region_code) < codes.TOWNSHIP:
        return None
    return region_code[:9] + "000"


def approver_for(role: str, region_code: str) -> tuple[str, str] | None:
    """(approver role, region the approver must hold or stand above) for a requester, or None when the
    requester is exempt."""
    if role in EXEMPT_ROLES:
        return None
    township = township_of(region_code)
    if role != roles.TOWNSHIP_OFFICE and township is not None:
        return roles.TOWNSHIP_OFFICE, township
    return roles.COUNTY_SUPERVISOR, region_code


def may_decide(approver_role: str, approver_region: str, *, requester_id: int, approver_id: int,
               wanted_role: str, wanted_region: str, requester_region: str) -> bool:
    """May this user decide this request? Never one's own; the township office of exactly that
    township; a county supervisor whose region contains the requester's."""
    if approver_id == requester_id or approver_role not in APPROVER_ROLES:
        return False
    if approver_role == roles.COUNTY_SUPERVISOR:
        return codes.is_within(requester_region, approver_region)
    return wanted_role == roles.TOWNSHIP_OFFICE and approver_region == wanted_region


def needs_approval(count: int, threshold: int, role: str, *, personal: bool = True, already: int = 0) -> bool:
    """``already``: the personal rows the user has taken out, unapproved, within the rolling window
    (exports.volume); the threshold caps their sum with this export's rows, whatever the path."""
    return personal and role not in EXEMPT_ROLES and already + count > threshold


def still_covered(approved: int, now: int) -> bool:
    """Does an approval for ``approved`` rows cover ``now`` rows at download time (the list may have
    grown a little since)?"""
    return now <= approved + max(GROWTH_MIN, int(approved * GROWTH))


def normal_params(pairs) -> list[list[str]]:
    """An export's parameters as compared for an approval: sorted [key, value] pairs, blanks and the
    approval/CSRF/page keys left out (they do not change what is exported)."""
    out = []
    for key, value in pairs:
        key, value = str(key)[:100], str(value).strip()[:500]
        if key in IGNORED_PARAMS or value == "":
            continue
        out.append([key, value])
    return sorted(out)


def approver_label(role: str) -> str:
    return {roles.TOWNSHIP_OFFICE: "乡镇综治中心", roles.COUNTY_SUPERVISOR: "县级督导"}.get(role, roles.label(role))
