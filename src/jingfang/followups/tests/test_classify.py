"""Condition class from the assessment (《严重精神障碍管理治疗工作规范（2018年版）》). Source for every case: the 2018 norms
(《严重精神障碍管理治疗工作规范（2018年版）》, 随访评估): 病情不稳定 = 危险性3—5级，或精神症状明显、
自知力缺乏、有严重药物不良反应或严重躯体疾病; 病情基本稳定 = 危险性1—2级，或精神症状、自知力、
社会功能状况至少有一方面较差; 病情稳定 = 危险性0级，且精神症状基本消失，自知力基本恢复，社会功能处于
一般或良好，无严重药物不良反应，躯体疾病稳定."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingfang.core.vocab import CONDITIONS, SYMPTOMS
from jingfang.followups import classify as rules
from jingfang.followups.classify import Assessment, psychotic_level
from jingfang.policies import profiles

A = Assessment
NATIONAL = profiles.load_profile(profiles.DEFAULT_PROFILE).classification.unstable_min_risk


def classify(assessment, unstable_min_risk=NATIONAL):
    return rules.classify(assessment, unstable_min_risk=unstable_min_risk)


@pytest.mark.parametrize(
    "assessment, condition, reasons",
    [
        pytest.param(A(0), "stable", ["危险性评估0级"], id="2018 norms: all well -> stable"),
        pytest.param(A(0, physical_illness="stable"), "stable", ["躯体疾病稳定"],
                     id="2018 norms: physical illness stable -> still stable"),
        pytest.param(A(0, social_function="fair"), "stable", ["社会功能一般或良好"],
                     id="2018 norms: social function fair -> still stable"),
        pytest.param(A(0, adverse_reaction="present"), "stable", ["无严重药物不良反应"],
                     id="2018 norms: only a serious reaction counts -> stable"),
        pytest.param(A(3), "unstable", ["危险性评估3级"], id="2018 norms: risk 3 -> unstable"),
        pytest.param(A(4), "unstable", ["危险性评估4级"], id="2018 norms: risk 4 -> unstable"),
        pytest.param(A(5), "unstable", ["危险性评估5级"], id="2018 norms: risk 5 -> unstable"),
        pytest.param(A(0, psychotic_symptoms="obvious"), "unstable", ["精神症状明显"],
                     id="2018 norms: obvious psychotic symptoms -> unstable"),
        pytest.param(A(0, insight="none"), "unstable", ["自知力缺乏"], id="2018 norms: no insight -> unstable"),
        pytest.param(A(0, adverse_reaction="serious"), "unstable", ["严重药物不良反应"],
                     id="2018 norms: serious drug reaction -> unstable"),
        pytest.param(A(0, physical_illness="serious"), "unstable", ["严重躯体疾病"],
                     id="2018 norms: serious physical illness -> unstable"),
        pytest.param(A(1), "basically_stable", ["危险性评估1级"], id="2018 norms: risk 1 -> basically stable"),
        pytest.param(A(2), "basically_stable", ["危险性评估2级"], id="2018 norms: risk 2 -> basically stable"),
        pytest.param(A(0, psychotic_symptoms="some"), "basically_stable", ["精神症状未完全消失"],
                     id="2018 norms: symptoms not gone -> basically stable"),
        pytest.param(A(0, insight="partial"), "basically_stable", ["自知力不全"],
                     id="2018 norms: insight partial -> basically stable"),
        pytest.param(A(0, social_function="poor"), "basically_stable", ["社会功能较差"],
                     id="2018 norms: social function poor -> basically stable"),
        pytest.param(A(2, insight="partial", social_function="poor"), "basically_stable",
                     ["危险性评估2级", "自知力不全", "社会功能较差"], id="2018 norms: several reasons, all listed"),
        pytest.param(A(1, insight="none", physical_illness="serious"), "unstable", ["自知力缺乏", "严重躯体疾病"],
                     id="2018 norms: unstable wins over basically stable"),
        pytest.param(A(0, symptoms=("hallucination",)), "basically_stable", ["精神症状未完全消失"],
                     id="derived: one symptom code -> some symptoms"),
        pytest.param(A(0, symptoms=("hallucination", "suspicion", "self_talk")), "unstable", ["精神症状明显"],
                     id="derived: three symptom codes -> obvious"),
        pytest.param(A(0, psychotic_symptoms="none", symptoms=("hallucination", "suspicion", "self_talk")),
                     "stable", ["精神症状基本消失"], id="derived: the worker's explicit level wins over the count"),
    ],
)
def test_classify(assessment, condition, reasons):
    result = classify(assessment)
    assert result.condition == condition
    for reason in reasons:
        assert reason in result.reasons
    if condition != "stable":
        assert len(result.reasons) == len(reasons)


@pytest.mark.parametrize(
    "bad, words",
    [
        (A(6), "危险性评估"),
        (A(-1), "危险性评估"),
        (A(True), "危险性评估"),
        (A(0, insight="some"), "自知力"),
        (A(0, social_function="bad"), "社会功能"),
        (A(0, adverse_reaction="mild"), "药物不良反应"),
        (A(0, physical_illness="ill"), "躯体疾病"),
        (A(0, psychotic_symptoms="many"), "精神症状"),
    ],
)
def test_invalid_values_refused_in_chinese(bad, words):
    with pytest.raises(ValueError, match=words):
        classify(bad)


def test_psychotic_level():
    assert psychotic_level([]) == "none"
    assert psychotic_level(["other", "other"]) == "some"  # duplicates count once
    assert psychotic_level(["moody", "bizarre"]) == "some"
    assert psychotic_level(["moody", "bizarre", "excited"]) == "obvious"


@settings(max_examples=300, deadline=None, database=None)
@given(
    risk=st.integers(0, 5),
    psychotic=st.sampled_from([None, "none", "some", "obvious"]),
    symptoms=st.lists(st.sampled_from(sorted(SYMPTOMS)), max_size=5),
    insight=st.sampled_from(["full", "partial", "none"]),
    social=st.sampled_from(["good", "fair", "poor"]),
    adverse=st.sampled_from(["none", "present", "serious"]),
    physical=st.sampled_from(["none", "stable", "serious"]),
)
def test_always_a_class_with_reasons(risk, psychotic, symptoms, insight, social, adverse, physical):
    result = classify(A(risk, psychotic, tuple(symptoms), insight, social, adverse, physical))
    assert result.condition in CONDITIONS and result.reasons
    assert all(isinstance(r, str) and r for r in result.reasons)
    if risk >= 3 or insight == "none" or adverse == "serious" or physical == "serious":
        assert result.condition == "unstable"
    if result.condition == "stable":
        assert risk == 0 and insight == "full" and social != "poor"


def test_the_national_profile_sets_the_norms_threshold():
    assert NATIONAL == 3  # 2018规范：危险性3—5级为病情不稳定


def test_the_risk_threshold_is_the_profile_s():
    """A profile that moved the threshold is followed: the class comes from the data, not the code."""
    assert classify(A(3), unstable_min_risk=4).condition == "basically_stable"
    assert classify(A(4), unstable_min_risk=4).reasons == ["危险性评估4级"]
