"""Key-person (重点人员) flags derived from a patient's data (DOMAIN.md §3; seeds 000, 003).

Pure: takes plain values, returns the reasons in words. An empty list means not a key person.
"""

SERIOUS_ACTS = ("trouble", "disaster", "self_harm", "suicide_attempt")


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
    key_risk_threshold: int = 3,
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
        reasons.append("人工标记：" + (manual_reason or "未填写原因"))
    return reasons


def file_reasons(patient, has_guardian: bool) -> list[str]:
    """The reasons that follow from the patient's file alone (before any follow-up history)."""
    return key_person_reasons(
        risk_level=patient.risk_level,
        condition=patient.condition,
        police_listed=patient.police_listed,
        manual=patient.key_person_manual,
        manual_reason=patient.key_person_reason,
        past_dangerous_acts=patient.past_dangerous_acts,
        status=patient.status,
        has_guardian=has_guardian,
    )
