"""The retrospective review's timeline (倒查, 齐云山镇2024 四、3; 平桥区2025): everything that was due and
done for the patient in the REVIEW_MONTHS before an incident, on one line, so the review can see what
was missed.

Rows: registration, follow-ups (date, mode, seen, risk level), the class, adherence and drugs of each
seen visit (clinical: health roles only), follow-up dates that passed without a contact (recomputed
with followups.schedule from the contact history as it stood after each contact), meetings that
discussed the patient, guardianship agreements signed / revoked / expired, whereabouts (StatusChange)
and earlier incidents. Rule texts name the condition class, so they are clinical too.
"""

import calendar
import datetime as dt
from dataclasses import asdict, dataclass

from django.urls import reverse

from jingfang.accounts import roles
from jingfang.core import vocab as core_vocab
from jingfang.followups import engine
from jingfang.followups.schedule import PatientState, next_followup

from . import permissions, team_rule, vocab
from .models import CareTeam, GuardianshipAgreement, Incident, Meeting
from .worklist import cadence_for

CATEGORIES = {
    "registration": "建档",
    "followup": "随访",
    "clinical": "病情与服药",
    "missed": "应随访未随访",
    "meeting": "小组会议",
    "guardianship": "监护协议",
    "status": "在管状态",
    "incident": "肇事肇祸",
}


@dataclass
class Entry:
    date: dt.date
    category: str
    title: str
    detail: str = ""
    clinical: bool = False
    clinical_detail: str = ""  # shown to health roles only (e.g. a rule text that names the class)
    problem: bool = False  # something that should have happened and did not
    url: str = ""

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)


def months_before(d: dt.date, months: int) -> dt.date:
    y, m0 = divmod(d.month - 1 - months, 12)
    year, month = d.year + y, m0 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _followups(patient, start, end, *, risk: bool = True) -> list[Entry]:
    out = []
    for f in patient.followups.filter(date__gte=start, date__lte=end).order_by("date", "id"):
        mode = core_vocab.FOLLOWUP_MODES.get(f.mode, f.mode)
        parts = []
        if f.seen:
            parts.append("见到患者")
            if risk and f.risk_level is not None:  # accounts.roles.RISK_ROLES
                parts.append(f"危险性评估{f.risk_level}级")
        else:
            parts.append("未见到患者：" + core_vocab.NOT_SEEN_REASONS.get(f.not_seen_reason, f.not_seen_reason or "未说明"))
        if f.joint:
            parts.append(f"联合随访{f.attendee_count}人")
        if f.guardian_interviewed:
            parts.append("面访监护人")
        out.append(Entry(f.date, "followup", f"随访（{mode}）", "；".join(parts), problem=not f.seen))
        if f.seen:
            meds = "、".join(f"{m.get('name', '')} {m.get('dose', '')}".strip() for m in f.medications or []) or "未填写"
            text = (f"病情分类：{core_vocab.CONDITIONS.get(f.condition, '未分类')}；"
                    f"服药依从性：{core_vocab.ADHERENCE.get(f.adherence, '未填写')}；用药：{meds}")
            if f.next_rule:
                text += f"；当时规则：{f.next_rule}"
            out.append(Entry(f.date, "clinical", "病情与服药", text, clinical=True))
    return out


def _status_on(history: list[tuple], d: dt.date, default: str) -> str:
    status = default
    for since, st in history:
        if since <= d:
            status = st
    return status


def missed_dates(patient, start: dt.date, end: dt.date) -> list[Entry]:
    """Follow-up due dates between start and end that passed before the next contact (or before
    ``end`` when there was none). The due date after each contact comes from the schedule engine over
    the contact history up to that contact; the key-person flag is taken as it is now."""
    profile = engine.profile_for(patient.region_id)
    contacts = [c for c in engine.contacts_for(patient) if c.date <= end]
    history = list(patient.status_history.order_by("since", "id").values_list("since", "status"))
    reported: set[dt.date] = set()
    out = []
    for i in range(len(contacts) + 1):
        done = contacts[:i]
        ref = done[-1].date if done else patient.registered_on
        state = PatientState(status=_status_on(history, ref, "at_home"), registered_on=patient.registered_on,
                             key_person=patient.key_person)
        due_item = next_followup(profile, state, done)
        if due_item is None:
            continue
        due = due_item.due_date
        actual = contacts[i] if i < len(contacts) else None
        limit = actual.date if actual is not None else end
        if not (due < limit and start <= due <= end) or due in reported:
            continue
        reported.add(due)
        if actual is None:
            detail = f"应于{due:%Y-%m-%d}前随访，至事件发生（{end:%Y-%m-%d}）未再联系患者，逾期{(end - due).days}天"
        else:
            how = "见到患者" if actual.seen else "未见到患者"
            detail = f"应于{due:%Y-%m-%d}前随访，下次联系为{actual.date:%Y-%m-%d}（{how}），逾期{(actual.date - due).days}天"
        out.append(Entry(due, "missed", "随访逾期", detail, clinical_detail=f"规则：{due_item.rule}", problem=True))
    return out


def _meetings(patient, start, end) -> list[Entry]:
    out = []
    for m in Meeting.objects.filter(patients=patient, date__gte=start, date__lte=end).select_related("region"):
        detail = f"{m.region.name}；议定事项：{m.decisions or '未填写'}"
        out.append(Entry(m.date, "meeting", vocab.MEETING_KINDS.get(m.kind, m.kind), detail,
                         url=reverse("care:meeting", args=[m.pk])))
    return out


def _agreements(patient, start, end) -> list[Entry]:
    out = []
    for a in GuardianshipAgreement.objects.filter(patient=patient).select_related("guardian"):
        kind = vocab.AGREEMENT_TYPES.get(a.type, a.type)
        if start <= a.start <= end:
            signed = f"，{a.signed_on:%Y-%m-%d}签订" if a.signed and a.signed_on else "，未签订"
            out.append(Entry(a.start, "guardianship", f"{kind}生效", f"监护人：{a.guardian_name}{signed}"))
        if a.revoked_at and start <= a.revoked_at <= end:
            out.append(Entry(a.revoked_at, "guardianship", f"{kind}撤销",
                             f"监护人：{a.guardian_name}；原因：{a.revoke_reason}"
                             + ("；已更换监护人" if a.replaced_by_id else ""), problem=True))
        if a.end and start <= a.end < end and not (a.revoked_at and a.revoked_at <= a.end):
            out.append(Entry(a.end, "guardianship", f"{kind}到期", f"监护人：{a.guardian_name}", problem=True))
    return out


def _statuses(patient, start, end) -> list[Entry]:
    out = []
    for s in patient.status_history.filter(since__gte=start, since__lte=end).order_by("since", "id"):
        detail = core_vocab.STATUS_DETAILS.get(s.status, {}).get(s.detail, "")
        text = core_vocab.STATUSES.get(s.status, s.status) + (f"（{detail}）" if detail else "")
        out.append(Entry(s.since, "status", "在管状态", text + (f"；{s.note}" if s.note else ""),
                         problem=s.status == "missing"))
    return out


def _incidents(patient, start, end, incident) -> list[Entry]:
    out = []
    for i in Incident.objects.filter(patient=patient, date__gte=start, date__lte=end).exclude(pk=incident.pk):
        out.append(Entry(i.date, "incident", core_vocab.DANGEROUS_ACTS.get(i.kind, i.kind), i.place, problem=True,
                         url=reverse("care:incident", args=[i.pk])))
    kind = core_vocab.DANGEROUS_ACTS.get(incident.kind, incident.kind)
    out.append(Entry(incident.date, "incident", f"本次事件：{kind}", incident.place, problem=True))
    return out


def timeline(incident: Incident, user) -> dict:
    """The review's timeline as ``user`` may read it, oldest first, with a summary."""
    patient = incident.patient
    end = incident.date
    start = months_before(end, vocab.REVIEW_MONTHS)
    entries = []
    if start <= patient.registered_on <= end:
        entries.append(Entry(patient.registered_on, "registration", "建档", "纳入管理"))
    # Visit dates tell how often a patient is seen, which follows the condition class: the follow-up and
    # missed-date rows go to health roles and to the incident's reviewers (the 倒查 is theirs,
    # permissions.REVIEW_INCIDENT), their risk level only to accounts.roles.RISK_ROLES.
    visits = roles.sees_clinical(user.role) or permissions.can(user, permissions.REVIEW_INCIDENT)
    if visits:
        entries += _followups(patient, start, end, risk=roles.sees_risk(user.role))
        entries += missed_dates(patient, start, end)
    entries += _meetings(patient, start, end)
    entries += _agreements(patient, start, end)
    entries += _statuses(patient, start, end)
    entries += _incidents(patient, start, end, incident)
    clinical = roles.sees_clinical(user.role)
    if not clinical:
        entries = [e for e in entries if not e.clinical]
        for e in entries:
            e.clinical_detail = ""
    order = list(CATEGORIES)
    entries.sort(key=lambda e: (e.date, order.index(e.category)))
    summary = _summary(patient, entries, start, end)
    if not visits:
        summary.update(followups=None, seen=None, missed=None)
    return {"start": start, "end": end, "entries": entries, "summary": summary}


def _summary(patient, entries: list[Entry], start, end) -> dict:
    team = CareTeam.objects.filter(patient=patient).first()
    missing = team_rule.missing_for(patient, team.members.all() if team else [])
    in_force = GuardianshipAgreement.objects.filter(patient=patient).active_on(end).count()
    _, cadence = cadence_for("team_monthly", patient.region_id)
    village_meetings = Meeting.objects.filter(kind="team_monthly", region_id=patient.region_id,
                                              date__gte=start, date__lte=end).count()
    return {
        "followups": sum(1 for e in entries if e.category == "followup"),
        "seen": sum(1 for e in entries if e.category == "followup" and not e.problem),
        "missed": sum(1 for e in entries if e.category == "missed"),
        "meetings": sum(1 for e in entries if e.category == "meeting"),
        "village_meetings": village_meetings,
        "meeting_rule": f"{cadence.label}：每{cadence.every.label}至少1次（{cadence.cite}）" if cadence else "",
        "agreements_in_force": in_force,
        "team_missing": [vocab.MEMBER_ROLES[r] for r in missing],
    }


def as_dicts(entries: list[Entry]) -> list[dict]:
    return [{**asdict(e), "category_label": e.category_label} for e in entries]
