"""Key-person (重点人员) flags derived from a patient's data (平桥区2025 一（二）; 齐云山镇2024 三（四）2、三（五）).

Pure: takes plain values, returns the reasons in words. An empty list means not a key person.
registry.standing sets a Patient's key_person from them with the profile's threshold.
"""

from jingfang.core.vocab import KEY_PERSON_PUBLIC_REASONS

SERIOUS_ACTS = ("trouble", "disaster", "self_harm", "suicide_attempt")
MANUAL_PREFIX = "人工标记："
# Reasons that reveal the condition class; roles without clinical rights read HIDDEN_CLINICAL_REASON.
CLINICAL_REASONS = ("病情不稳定", "病情反复")
# The reason that tells the risk level: read only by accounts.roles.RISK_ROLES.
RISK_REASON = "危险性评估"
HIDDEN_CLINICAL_REASON = "卫生健康部门评估认定"
UNSTATED = "未填写原因"


def key_person_reasons(
    *,
    risk_level: int | None,
    condition: str,
    police_listed: bool,
    manual: bool,
    manual_reason: str = "",
    past_dangerous_acts: dict | None = None,
    status: str = "",
    has_guardian: bool = True,
    floating: bool = False,
    key_risk_threshold: int,
    lost: bool = False,
    refuses: bool = False,
    weak_guardianship: bool = False,
    relapse: bool = False,
) -> list[str]:
    reasons = []
    if risk_level is not None and risk_level >= key_risk_threshold:
        reasons.append(f"危险性评估{risk_level}级（≥{key_risk_threshold}级）")
    if condition == "unstable":
        reasons.append("病情不稳定")
    if police_listed:
        reasons.append("公安列管")
    acts = past_dangerous_acts or {}
    if acts and any(int(acts.get(k) or 0) > 0 for k in SERIOUS_ACTS):
        reasons.append("既往有肇事肇祸或自伤自杀行为")
    if status == "missing":
        reasons.append("下落不明")
    if lost:
        reasons.append("失访")
    if refuses:
        reasons.append("拒绝接受随访或面访")
    if not has_guardian:
        reasons.append("无监护人")
    elif weak_guardianship:
        reasons.append("弱监护")
    if relapse:
        reasons.append("病情反复")
    if floating:
        reasons.append("流动人口（现住地与户籍地不一致）")
    if manual:
        reasons.append(MANUAL_PREFIX + (manual_reason or UNSTATED))
    return reasons


def file_reasons(patient, has_guardian: bool, *, key_risk_threshold: int) -> list[str]:
    """The reasons that follow from the patient's file alone (before any follow-up history);
    ``key_risk_threshold`` is the profile's ``key_person.risk_threshold``."""
    return key_person_reasons(
        key_risk_threshold=key_risk_threshold,
        risk_level=patient.risk_level,
        condition=patient.condition,
        police_listed=patient.police_listed,
        manual=patient.key_person_manual,
        manual_reason=patient.key_person_reason,
        past_dangerous_acts=patient.past_dangerous_acts,
        status=patient.status,
        has_guardian=has_guardian,
    )


def public_manual_reason(text: str) -> str:
    """A hand-written key-person reason as a role without clinical rights may read it: one of the
    listed non-clinical reasons, else nothing (free text may speak of the illness: 精神卫生法 Art. 4)."""
    return text if text in KEY_PERSON_PUBLIC_REASONS else ""


def public_reasons(reasons: list[str], *, risk: bool = True) -> list[str]:
    """Key-person reasons (as key_person_reasons words them) for a reader without clinical rights:
    the condition-class ones, hand-written free text and, unless ``risk`` (a reader who receives the
    risk level), the risk level give way to HIDDEN_CLINICAL_REASON (once)."""
    shown, hidden = [], False
    for r in reasons:
        if r.startswith(CLINICAL_REASONS) or (not risk and r.startswith(RISK_REASON)):
            hidden = True
        elif r.startswith(MANUAL_PREFIX):
            text = r.removeprefix(MANUAL_PREFIX)
            public = public_manual_reason(text)
            shown.append(MANUAL_PREFIX + public if public else "人工标记")
            hidden = hidden or not (public or text == UNSTATED)
        else:
            shown.append(r)
    return shown + [HIDDEN_CLINICAL_REASON] * hidden
