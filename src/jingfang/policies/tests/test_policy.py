"""Policy profiles: shipped files load, bad files are refused with the file and key named, `extends`
merges, and a county's own folder is found (intervals differ between 齐云山镇2024, 中梁乡2022, 平桥区2025 and the 2018 norms, so they are policy, not code)."""

import copy
import tomllib
from datetime import date

import pytest

from jingfang.policies import profiles as policy
from jingfang.policies.profiles import (
    DEFAULT_PROFILE,
    POLICY_DIR,
    Interval,
    PolicyError,
    available_profiles,
    load_profile,
    validate,
)

SHIPPED = ["national-2018", "pingqiao-2025", "qiyunshan-2024", "xuecheng-2016", "zhongliang-2022"]


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    monkeypatch.delenv(policy.ENV_DIRS, raising=False)
    policy.clear_cache()
    yield
    policy.clear_cache()


def raw(name):
    with (POLICY_DIR / f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


def child(**extra):
    """A minimal profile extending the national one."""
    return {"name": "county-x", "title": "某县", "source": "测试", "version": 1, "extends": "national-2018", **extra}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_profile_loads(name):
    p = load_profile(name)
    assert p.name == name and p.title and p.source and p.version >= 1
    assert {r.id for r in p.followup.ordered_rules()} >= {"stable", "basically_stable", "unstable"}
    for rule in p.followup.ordered_rules():
        assert rule.text and rule.cite and rule.interval.approx_days > 0


def test_available_and_default():
    assert available_profiles() == SHIPPED
    assert load_profile().name == DEFAULT_PROFILE == "national-2018"
    assert load_profile("pingqiao-2025") is load_profile("pingqiao-2025")  # cached


def test_error_names_file_key_and_problem():
    data = child(followup={"rules": {"stable": {"interval": "三个月"}}})
    with pytest.raises(PolicyError) as exc:
        validate(data, "county-x")
    msg = str(exc.value)
    assert msg.startswith("策略配置 county-x.toml：followup.rules.stable.interval：应为正的间隔")
    assert exc.value.file == "county-x.toml" and exc.value.path == "followup.rules.stable.interval"


@pytest.mark.parametrize(
    "patch, path, words",
    [
        ({"key_person": {"risk_threshold": 7}}, "key_person.risk_threshold", "0到5之间"),
        ({"key_person": {"risk_threshold": True}}, "key_person.risk_threshold", "0到5之间"),
        ({"followup": {"lost_after_failed": 0}}, "followup.lost_after_failed", "1到10之间"),
        ({"followup": {"rules": {"stable": {"interval": "0m"}}}}, "followup.rules.stable.interval", "正的间隔"),
        ({"followup": {"rules": {"stable": {"interval": 90}}}}, "followup.rules.stable.interval", "正的间隔"),
        ({"followup": {"rules": {"stable": {"when": {"conditions": ["calm"]}}}}},
         "followup.rules.stable.when.conditions[0]", "应为以下之一"),
        ({"guardian_reward": {"amount_yuan": -1, "per": "month", "eligibility": ["risk"], "text": "t", "cite": "c"}},
         "guardian_reward.amount_yuan", "不小于0"),
        ({"guardian_reward": {"amount_yuan": 1, "per": "week", "eligibility": ["risk"], "text": "t", "cite": "c"}},
         "guardian_reward.per", "month、year"),
        ({"targets": {"cite": "c", "management_percent": 101}}, "targets.management_percent", "0到100之间"),
        ({"targets": {"cite": "c", "deadline": "2017年底"}}, "targets.deadline", "应为日期"),
        ({"guardian_reward": {"amount_yuan": 1, "per": "year", "eligibility": ["risk"], "cite": "c"}},
         "guardian_reward.text", "缺少必填项"),
        ({"followup": {"notes": "不是数组"}}, "followup.notes", "应为数组"),
        ({"followup": {"rules": {"Bad-Id": {}}}}, "followup.rules.Bad-Id", "键名"),
        ({"liability_insurance": {"premium_yuan_per_person_year": 50, "township_share_yuan_per_person": 70,
                                  "cite": "c"}}, "liability_insurance.township_share_yuan_per_person", "保费"),
        ({"followup": {"rules": {"risky": {"priority": 1, "interval": "1w", "text": "t", "cite": "c",
                                           "when": {"min_risk": 4, "max_risk": 2}}}}},
         "followup.rules.risky.when", "min_risk 不能大于 max_risk"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isascii() else "-",
)
def test_bad_values_refused(patch, path, words):
    with pytest.raises(PolicyError) as exc:
        validate(child(**patch), "county-x")
    assert exc.value.path == path, str(exc.value)
    assert words in str(exc.value) and "county-x.toml" in str(exc.value)


def test_unknown_key_refused():
    with pytest.raises(PolicyError, match=r"county-x\.toml：followup\.interval_stable：未知配置项"):
        validate(child(followup={"interval_stable": "3m"}), "county-x")
    with pytest.raises(PolicyError, match="colour_scheme：未知配置项"):
        validate(child(colour_scheme="red"), "county-x")


def test_missing_required_keys_refused():
    data = raw("national-2018")
    del data["followup"]["rules"]["stable"]["text"]
    with pytest.raises(PolicyError, match=r"national-2018\.toml：followup\.rules\.stable\.text：缺少必填项"):
        validate(data, "national-2018")
    data = raw("national-2018")
    del data["followup"]
    with pytest.raises(PolicyError, match="followup：缺少必填项"):
        validate(data, "national-2018")
    data = child()
    del data["title"]
    with pytest.raises(PolicyError, match="title：缺少必填项"):  # identity is never inherited
        validate(data, "county-x")


def test_each_class_needs_a_fallback_rule():
    data = child(followup={"rules": {"stable": {"enabled": False}}})
    with pytest.raises(PolicyError, match="followup.rules：缺少适用于“稳定”的兜底规则"):
        validate(data, "county-x")


def test_name_must_match_file():
    with pytest.raises(PolicyError, match="name：应与文件名一致"):
        validate(child(), "county-y")


def test_extends_deep_merges_child_wins():
    p = validate(child(followup={"rules": {"stable": {"interval": "2m", "cite": "某县2026"}}}), "county-x")
    national = load_profile("national-2018")
    assert p.extends == "national-2018"
    stable = p.followup.rules["stable"]
    assert stable.interval == Interval.parse("2m") and stable.cite == "某县2026"
    assert stable.text == national.followup.rules["stable"].text  # sibling keys inherited
    assert p.followup.rules["unstable"] == national.followup.rules["unstable"]
    assert p.health_check == national.health_check and p.intake == national.intake
    # arrays are replaced whole
    q = validate(child(followup={"notes": ["只此一条"]}), "county-x")
    assert q.followup.notes == ("只此一条",)


def test_extends_of_shipped_profiles():
    x = load_profile("xuecheng-2016")
    n = load_profile("national-2018")
    assert x.followup.rules["stable"] == n.followup.rules["stable"]
    assert any("个案管理" in e for e in x.followup.rules["unstable"].escalations)
    assert not any("个案管理" in e for e in n.followup.rules["unstable"].escalations)
    assert n.targets is None and x.targets is not None


def test_extends_errors(tmp_path, monkeypatch):
    (tmp_path / "loop-a.toml").write_text('name="loop-a"\ntitle="甲"\nsource="s"\nversion=1\nextends="loop-b"\n')
    (tmp_path / "loop-b.toml").write_text('name="loop-b"\ntitle="乙"\nsource="s"\nversion=1\nextends="loop-a"\n')
    monkeypatch.setenv(policy.ENV_DIRS, str(tmp_path))
    with pytest.raises(PolicyError, match="继承关系成环"):
        load_profile("loop-a")
    with pytest.raises(PolicyError, match=r"nowhere-1\.toml：找不到该策略配置文件"):
        validate(child(extends="nowhere-1"), "county-x")


def test_parent_errors_name_the_parent_file(tmp_path, monkeypatch):
    (tmp_path / "base-bad.toml").write_text(
        'name="base-bad"\ntitle="坏"\nsource="s"\nversion=1\nextends="national-2018"\n'
        '[key_person]\nrisk_threshold = 9\n')
    (tmp_path / "leaf.toml").write_text('name="leaf"\ntitle="叶"\nsource="s"\nversion=1\nextends="base-bad"\n')
    monkeypatch.setenv(policy.ENV_DIRS, str(tmp_path))
    with pytest.raises(PolicyError, match=r"^策略配置 base-bad\.toml：key_person\.risk_threshold"):
        load_profile("leaf")


def test_county_folder_profile_is_found(tmp_path, monkeypatch):
    other = tmp_path / "empty"
    other.mkdir()
    folder = tmp_path / "county"
    folder.mkdir()
    (folder / "county-z-2026.toml").write_text(
        'name = "county-z-2026"\ntitle = "某县2026"\nsource = "某县文件"\nversion = 2\n'
        'extends = "pingqiao-2025"\n[followup.rules.stable]\ninterval = "2m"\n', encoding="utf-8")
    (folder / "national-2018.toml").write_text('name = "national-2018"\n')  # shipped names win
    monkeypatch.setenv(policy.ENV_DIRS, f"{other}:{folder}")
    assert "county-z-2026" in available_profiles()
    p = load_profile("county-z-2026")
    assert p.version == 2 and p.followup.rules["stable"].interval.text == "2m"
    assert p.face_to_face is not None  # inherited from pingqiao
    assert load_profile("national-2018").title == "国家规范（2018年版）"


def test_toml_syntax_error_names_file(tmp_path, monkeypatch):
    (tmp_path / "broken.toml").write_text("name = \n")
    monkeypatch.setenv(policy.ENV_DIRS, str(tmp_path))
    with pytest.raises(PolicyError, match=r"^策略配置 broken\.toml：TOML 格式错误"):
        load_profile("broken")
    with pytest.raises(PolicyError, match="配置名称"):
        load_profile("../etc/passwd")


def test_validate_does_not_mutate_input():
    data = child(followup={"rules": {"stable": {"interval": "2m"}}})
    before = copy.deepcopy(data)
    validate(data, "county-x")
    assert data == before


@pytest.mark.parametrize(
    "text, start, expected",
    [
        ("1m", date(2026, 1, 31), date(2026, 2, 28)),  # calendar month, clamped
        ("1m", date(2024, 1, 31), date(2024, 2, 29)),  # leap year
        ("3m", date(2025, 11, 30), date(2026, 2, 28)),
        ("6m", date(2025, 8, 31), date(2026, 2, 28)),
        ("1y", date(2024, 2, 29), date(2025, 2, 28)),
        ("2w", date(2024, 12, 25), date(2025, 1, 8)),
        ("15d", date(2025, 2, 20), date(2025, 3, 7)),
    ],
)
def test_interval_calendar_arithmetic(text, start, expected):
    assert Interval.parse(text).after(start) == expected


@pytest.mark.parametrize("bad", ["", "3", "m", "-1m", "0d", "3 months", "1.5m", None, 3])
def test_interval_refuses(bad):
    with pytest.raises(ValueError):
        Interval.parse(bad)


def test_interval_labels():
    assert [Interval.parse(t).label for t in ("3m", "2w", "15d", "1y")] == ["3个月", "2周", "15天", "1年"]


def test_due_windows():
    p = load_profile()
    assert p.window_days(Interval.parse("3m")) == 7
    assert p.window_days(Interval.parse("1m")) == 7
    assert p.window_days(Interval.parse("2w")) == 2
    assert p.window_days(Interval.parse("1d")) == 0
    assert p.window_days(Interval.parse("1y")) == 30


def test_other_sections_are_typed():
    pq = load_profile("pingqiao-2025")
    assert pq.guardian_reward.amount_yuan == 200.0 and pq.guardian_reward.yearly_yuan == 2400.0
    assert pq.liability_insurance.premium_yuan_per_person_year == 100.0
    assert pq.liability_insurance.township_share_yuan_per_person == 70.0
    assert pq.relief_fund.annual_budget_yuan == 1_400_000.0
    assert [o.code for o in pq.relief_fund.options] == ["medical_full", "both_half", "both_full"]
    assert "司法" in pq.exchange.departments
    q = load_profile("qiyunshan-2024")
    assert "司法" not in q.exchange.departments and q.cadence("joint_consultation").every.text == "3m"
    assert q.intake.accept_report_workdays == 5 and q.intake.enter_record_workdays == 10
    x = load_profile("xuecheng-2016")
    assert x.targets.deadline == date(2017, 12, 31) and x.targets.detection_permille == 5.0
    assert x.guardian_reward.yearly_yuan == 600.0


def test_indicator_rules_are_inherited_and_checked():
    national = load_profile("national-2018").indicators
    assert (national.standard_visits_per_year, national.standard_max_gap, national.standard_face_to_face) == (
        4, Interval.parse("3m"), False)
    pingqiao = load_profile("pingqiao-2025")
    assert pingqiao.indicators.standard_face_to_face and pingqiao.indicators.standard_max_gap == Interval.parse("3m")
    assert pingqiao.face_to_face.interval == Interval.parse("6m")
    # face-to-face as part of 规范管理 needs a face-to-face interval to judge it by
    with pytest.raises(PolicyError, match="indicators.standard_face_to_face"):
        validate(child(indicators={"standard_face_to_face": True}), "county-x")
    with pytest.raises(PolicyError, match="indicators.standard_visits_per_year"):
        validate(child(indicators={"standard_visits_per_year": 0}), "county-x")
