"""Condition class of one follow-up (本次随访分类) from its assessment (《严重精神障碍管理治疗工作规范（2018年版）》).

- unstable (病情不稳定): risk from the profile's ``[classification] unstable_min_risk`` on (3–5
  nationally), or obvious psychotic symptoms, or no insight, or a serious drug
  reaction, or a serious physical illness;
- basically stable (病情基本稳定): otherwise, risk 1–2, or psychotic symptoms / insight / social function
  at least one poor (symptoms present but not obvious, insight partial, social function poor);
- stable (病情稳定): risk 0, symptoms basically gone, insight basically recovered (full), social
  function fair or good, no serious drug reaction, physical illness none or stable.

A drug reaction that is present but not serious does not change the class (the norms name only a
serious one). Psychotic symptoms are given as a level, or derived from the form's symptom codes
(registry vocab SYMPTOMS) when no level is given: no codes → none, 1–2 codes → some, 3 or more →
obvious. The worker's judgement, when entered, is better than the count. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

PSYCHOTIC = {"none": "精神症状基本消失", "some": "精神症状未完全消失", "obvious": "精神症状明显"}
INSIGHT = {"full": "自知力基本恢复", "partial": "自知力不全", "none": "自知力缺乏"}
SOCIAL = {"good": "社会功能良好", "fair": "社会功能一般", "poor": "社会功能较差"}
ADVERSE = {"none": "无药物不良反应", "present": "有药物不良反应（非严重）", "serious": "严重药物不良反应"}
PHYSICAL = {"none": "无躯体疾病", "stable": "躯体疾病稳定", "serious": "严重躯体疾病"}
# Not a policy number: the norms name 精神症状明显 without counting; this reading of the form's
# symptom list (3 or more ticked) applies only when the worker gives no level.
OBVIOUS_SYMPTOM_COUNT = 3


@dataclass(frozen=True)
class Assessment:
    risk_level: int
    psychotic_symptoms: str | None = None  # 'none' | 'some' | 'obvious'; None: derive from `symptoms`
    symptoms: tuple[str, ...] = ()
    insight: str = "full"  # 'full' | 'partial' | 'none'
    social_function: str = "good"  # 'good' | 'fair' | 'poor'
    adverse_reaction: str = "none"  # 'none' | 'present' | 'serious'
    physical_illness: str = "none"  # 'none' | 'stable' | 'serious'


@dataclass(frozen=True)
class Classification:
    condition: str  # 'stable' | 'basically_stable' | 'unstable' (registry vocab CONDITIONS)
    reasons: list[str] = field(default_factory=list)


def psychotic_level(symptoms: Iterable[str]) -> str:
    n = len(set(symptoms))
    return "none" if n == 0 else "obvious" if n >= OBVIOUS_SYMPTOM_COUNT else "some"


def _check(value: object, allowed: dict, label: str) -> None:
    if value not in allowed:
        raise ValueError(f"{label}取值无效：{value!r}（应为 {'、'.join(allowed)} 之一）")


def classify(a: Assessment, *, unstable_min_risk: int) -> Classification:
    """The condition class and, in Chinese words, why; ``unstable_min_risk`` is the profile's
    ``classification.unstable_min_risk``."""
    risk = a.risk_level
    if isinstance(risk, bool) or not isinstance(risk, int) or not 0 <= risk <= 5:
        raise ValueError(f"危险性评估取值无效：{risk!r}（应为0—5级）")
    psychotic = a.psychotic_symptoms if a.psychotic_symptoms is not None else psychotic_level(a.symptoms)
    _check(psychotic, PSYCHOTIC, "精神症状")
    _check(a.insight, INSIGHT, "自知力")
    _check(a.social_function, SOCIAL, "社会功能")
    _check(a.adverse_reaction, ADVERSE, "药物不良反应")
    _check(a.physical_illness, PHYSICAL, "躯体疾病")

    unstable = []
    if risk >= unstable_min_risk:
        unstable.append(f"危险性评估{risk}级")
    if psychotic == "obvious":
        unstable.append(PSYCHOTIC["obvious"])
    if a.insight == "none":
        unstable.append(INSIGHT["none"])
    if a.adverse_reaction == "serious":
        unstable.append(ADVERSE["serious"])
    if a.physical_illness == "serious":
        unstable.append(PHYSICAL["serious"])
    if unstable:
        return Classification("unstable", unstable)

    basic = []
    if risk >= 1:
        basic.append(f"危险性评估{risk}级")
    if psychotic == "some":
        basic.append(PSYCHOTIC["some"])
    if a.insight == "partial":
        basic.append(INSIGHT["partial"])
    if a.social_function == "poor":
        basic.append(SOCIAL["poor"])
    if basic:
        return Classification("basically_stable", basic)

    return Classification("stable", [
        "危险性评估0级",
        PSYCHOTIC["none"],
        INSIGHT["full"],
        "社会功能一般或良好",
        "无严重药物不良反应",
        "躯体疾病稳定" if a.physical_illness == "stable" else PHYSICAL["none"],
    ])
