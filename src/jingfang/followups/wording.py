"""What a worklist item says to a role that may not see clinical data (《中华人民共和国精神卫生法》第四条; accounts.roles).

A schedule item's rule text names the condition class ("病情稳定：…3个月时随访") and its rule id names
the rule ("qiyunshan-2024:stable"); its escalations are the rule's clinical measures (转诊, 调整治疗).
Even its interval and due date follow the condition class or risk level of the last visit. So schedule
items (follow-up, face-to-face, assessment, health check) are the health staff's work: police, civil
affairs, the disabled persons' federation, judicial staff, village cadres and the township office
receive one only when the profile's follow-up rule asks for their part (mode "joint": 2018规范 "在村（居）
委会人员、民警协助下" for an unstable patient whose guardian refuses hospital care; 齐云山镇2024 "每月开展
联合走访" at risk level 1–2), and then it reads JOINT_WORDING with its due date: no interval, no rule
text, no rule id, only the escalations that follow from the patient's status (missing, lost).

Pure: a Profile and plain values in, words out.
"""

from __future__ import annotations

from jingfang.accounts import roles
from jingfang.policies.profiles import Interval, Profile

# Item kinds whose rule text comes from a patient's schedule (followups.schedule).
SCHEDULE_KINDS = ("followup", "face_to_face", "assessment", "health_check")
HOSPITALIZED_WORDING = "定期随访：住院期间电话了解情况"
PLAN_REVIEW_WORDING = "一人一策定期研判"
ASSESSMENT_WORDING = "诊断复核与危险性评估：由精防人员按规定安排"
JOINT_WORDING = "联合走访：精防人员将与您联系"
_NAMED_MONTHS = {1: "每月", 3: "每季度", 6: "每半年", 12: "每年"}


def how_often(interval: Interval) -> str:
    """"每季度1次", "每2周1次", "每10天1次": an interval in plain words."""
    if interval.months and not interval.days:
        m = interval.months
        return f"{_NAMED_MONTHS[m]}1次" if m in _NAMED_MONTHS else f"每{m}个月1次"
    if interval.days and not interval.months:
        d = interval.days
        if d % 7 == 0:
            return "每周1次" if d == 7 else f"每{d // 7}周1次"
        return f"每{d}天1次"
    return f"每{interval.label}1次"


def joint_rule_ids(profiles) -> frozenset[str]:
    """The rule ids of the profiles' follow-up rules that ask village cadres and police to join the
    visit (mode "joint")."""
    return frozenset(p.rule_id(local) for p in profiles for local, rule in p.followup.rules.items()
                     if rule.enabled and rule.mode == "joint")


def shown_to(role: str, kind: str, rule_id: str, joint_ids: frozenset[str]) -> bool:
    """Does ``role`` receive a worklist item of ``kind`` from rule ``rule_id`` at all? Health roles
    receive every item; the others every item but the schedule items whose rule is not a joint one
    (``joint_ids``: joint_rule_ids of the profiles). worklist.hidden_q says the same in SQL."""
    return roles.sees_clinical(role) or kind not in SCHEDULE_KINDS or rule_id in joint_ids


def _followup_interval(profile: Profile, local: str) -> Interval | None:
    fu = profile.followup
    if local == "first_visit":
        interval = fu.first_visit.interval
    elif local in fu.rules:
        interval = fu.rules[local].interval
    else:
        return None
    if fu.min_per_year:  # schedule.next_followup caps the interval by the yearly minimum
        cap = 12 // fu.min_per_year if 12 % fu.min_per_year == 0 else 0
        cap_interval = Interval(months=cap, text=f"{cap}m") if cap else Interval(
            days=365 // fu.min_per_year, text=f"{365 // fu.min_per_year}d")
        if cap_interval.approx_days < interval.approx_days:
            interval = cap_interval
    return interval


def public_reason(profile: Profile | None, kind: str, rule_id: str, reason: str) -> str:
    """The reason shown to a role without clinical rights. ``profile`` is the one named by the rule
    id's prefix (None when the prefix names no profile: work of another app, whose words are not
    clinical and are kept)."""
    local = rule_id.split(":", 1)[1] if ":" in rule_id else ""
    if profile is None:
        return reason
    if kind == "followup":
        if local in profile.followup.rules and profile.followup.rules[local].mode == "joint":
            return JOINT_WORDING
        if local == "hospitalized":
            return HOSPITALIZED_WORDING
        interval = _followup_interval(profile, local)
        return f"定期随访：{how_often(interval)}" if interval else "定期随访"
    if kind == "face_to_face":
        f2f = profile.face_to_face
        return f"面访：{how_often(f2f.interval)}" if f2f else "面访"
    if kind == "assessment":  # its interval depends on the condition class: not said
        return ASSESSMENT_WORDING
    if kind == "health_check":
        check = profile.health_check
        return f"健康体检：{how_often(check.interval)}" if check else "健康体检"
    if kind == "deadline" and local == "plan_review":  # the plan's title is free text
        return PLAN_REVIEW_WORDING
    return reason


def clinical_escalations(profile: Profile | None) -> frozenset[str]:
    """The escalations that come from the profile's follow-up rules (clinical measures)."""
    if profile is None:
        return frozenset()
    return frozenset(e for r in profile.followup.rules.values() for e in r.escalations)
