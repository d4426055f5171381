"""Policy profiles: every interval, threshold, count, deadline, amount and target is data, taken from the policy documents listed in docs/sources.md.

A profile is a TOML file named `<name>.toml` in jingfang/policies/ or in a folder listed in the env var
JINGFANG_POLICY_DIRS (colon-separated), so a county can add its own without a code change. Shipped
profiles win over a same-named file elsewhere. `extends = "parent"` deep-merges the parent under the
child: tables merge key by key and the child's values win; arrays are replaced whole. Follow-up rules
are a table keyed by rule id, so a child can change one field of one rule or add `enabled = false`.

Intervals are written "3m" (calendar months), "2w", "15d" or "1y". Validation refuses unknown keys,
missing keys and out-of-range values with a Chinese message naming the file and the key path.
Pure: stdlib only.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, fields, is_dataclass, replace
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from jingfang.core.vocab import CONDITIONS

from .schema import (  # noqa: F401  (re-exported: the typed tree is part of this module's API)
    INTERVAL_HELP,
    KEY_RE,
    NAME_RE,
    Accountability,
    AssessmentCadence,
    Benefits,
    Cadence,
    Cited,
    DueWindow,
    Exchange,
    Followup,
    FollowupRule,
    Grade,
    GuardianReward,
    Hospitalized,
    Intake,
    Interval,
    KeyPerson,
    LiabilityInsurance,
    MedicationMeasure,
    Profile,
    ReliefFund,
    ReliefOption,
    RollCall,
    Targets,
    When,
)

DEFAULT_PROFILE = "national-2018"
ENV_DIRS = "JINGFANG_POLICY_DIRS"
POLICY_DIR = Path(__file__).resolve().parent


class PolicyError(ValueError):
    """A profile that cannot be used; the message names the file, the key path and the problem."""

    def __init__(self, file: str, path: str, problem: str):
        self.file, self.path, self.problem = file, path, problem
        super().__init__(f"策略配置 {file}：{path + '：' if path else ''}{problem}")


# ---- building typed objects from TOML data ----------------------------------------------------------

def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _range_text(tp: type, meta: dict) -> str:
    what = meta.get("what") or ("整数" if tp is int else "数值")
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        return f"应为{lo}到{hi}之间的{what}"
    return f"应为不小于{lo}的{what}" if lo is not None else f"应为{what}"


def _convert(tp: Any, value: Any, path: str, meta: dict, file: str) -> Any:
    def fail(problem: str) -> None:
        raise PolicyError(file, path, problem)

    if get_origin(tp) in (Union, UnionType):
        tp = next(a for a in get_args(tp) if a is not NoneType)
    origin, args = get_origin(tp), get_args(tp)
    if tp is bool:
        if not isinstance(value, bool):
            fail(f"应为 true 或 false（收到 {value!r}）")
        return value
    if tp in (int, float):
        ok = isinstance(value, int) or (tp is float and isinstance(value, float))
        if not ok or isinstance(value, bool) or value != value or (
            meta.get("min") is not None and value < meta["min"]) or (
                meta.get("max") is not None and value > meta["max"]):
            fail(f"{_range_text(tp, meta)}（收到 {value!r}）")
        return tp(value)
    if tp is str:
        if not isinstance(value, str) or not value.strip():
            fail(f"应为非空文字（收到 {value!r}）")
        if meta.get("choices") and value not in meta["choices"]:
            fail(f"应为以下之一：{'、'.join(meta['choices'])}（收到 “{value}”）")
        if meta.get("pattern") and not meta["pattern"].match(value):
            fail(f"只能包含{meta['pattern_text']}（收到 “{value}”）")
        return value
    if tp is date:
        if not isinstance(value, date) or isinstance(value, datetime):
            fail(f"应为日期，如 2017-12-31（收到 {value!r}）")
        return value
    if tp is Interval:
        try:
            return Interval.parse(value)
        except ValueError:
            fail(f"{INTERVAL_HELP}（收到 {value!r}）")
    if origin is tuple:
        if not isinstance(value, list):
            fail(f"应为数组（收到 {value!r}）")
        return tuple(_convert(args[0], v, f"{path}[{i}]", meta, file) for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            fail("应为表")
        out = {}
        for key, item in value.items():
            if not KEY_RE.match(key):
                raise PolicyError(file, _join(path, key), "键名只能包含小写字母、数字和下划线")
            obj = _convert(args[1], item, _join(path, key), meta, file)
            out[key] = replace(obj, id=key) if hasattr(obj, "id") else obj
        return out
    if is_dataclass(tp):
        return _build(tp, value, path, file)
    raise TypeError(f"unsupported type {tp!r}")  # a programming error, not a policy error


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _build(cls: type, data: Any, path: str, file: str) -> Any:
    if not isinstance(data, dict):
        raise PolicyError(file, path, f"应为表（收到 {data!r}）")
    spec = {f.name: f for f in fields(cls) if not f.metadata.get("derived")}
    for key in data:
        if key not in spec:
            raise PolicyError(file, _join(path, key), "未知配置项（拼写错误，或本版本不支持）")
    kwargs = {}
    for name, f in spec.items():
        if name in data:
            kwargs[name] = _convert(_hints(cls)[name], data[name], _join(path, name), dict(f.metadata), file)
        elif f.default is MISSING and f.default_factory is MISSING:
            raise PolicyError(file, _join(path, name), "缺少必填项")
    return cls(**kwargs)


def _check(p: Profile, file: str) -> None:
    """Checks that span several keys."""
    rules = p.followup.ordered_rules()
    for rule in rules:
        w = rule.when
        if w.min_risk is not None and w.max_risk is not None and w.min_risk > w.max_risk:
            raise PolicyError(file, f"followup.rules.{rule.id}.when", "min_risk 不能大于 max_risk")
    for code, label in CONDITIONS.items():
        if not any(r.when.condition_only and (not r.when.conditions or code in r.when.conditions) for r in rules):
            raise PolicyError(file, "followup.rules",
                              f"缺少适用于“{label}”的兜底规则（只按病情分类限定、不附加其他条件的规则）")
    if p.indicators.standard_face_to_face and (p.face_to_face is None or not p.face_to_face.enabled):
        raise PolicyError(file, "indicators.standard_face_to_face", "规范管理要求面访时，须配置并启用 face_to_face（面访间隔）")
    ins = p.liability_insurance
    if ins and ins.township_share_yuan_per_person is not None and (
            ins.township_share_yuan_per_person > ins.premium_yuan_per_person_year):
        raise PolicyError(file, "liability_insurance.township_share_yuan_per_person", "不能大于每人每年保费")
    if p.offline and p.offline.package_days > p.offline.max_package_days:
        raise PolicyError(file, "offline.package_days", "不能大于 max_package_days")
    if p.offline and p.offline.paper_token_days < p.offline.package_days:
        raise PolicyError(file, "offline.paper_token_days", "不能小于 package_days（打印的随访表须在整个窗口内有效）")
    codes = [o.code for o in p.relief_fund.options] if p.relief_fund else []
    if len(codes) != len(set(codes)):
        raise PolicyError(file, "relief_fund.options", "救助方式代码重复")


# ---- files, extends, cache ---------------------------------------------------------------------------

def _dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(ENV_DIRS, "").split(os.pathsep) if p.strip()]
    return [POLICY_DIR, *extra]


def available_profiles() -> list[str]:
    names: set[str] = set()
    for d in _dirs():
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.toml") if NAME_RE.match(p.stem))
    return sorted(names)


def _read(name: str) -> dict:
    file = f"{name}.toml"
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise PolicyError(file, "", "配置名称只能包含小写字母、数字和连字符")
    for d in _dirs():
        path = d / file
        if path.is_file():
            try:
                with path.open("rb") as fh:
                    return tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise PolicyError(file, "", f"TOML 格式错误：{exc}") from exc
            except (OSError, UnicodeDecodeError) as exc:
                raise PolicyError(file, "", f"无法读取文件：{exc}") from exc
    raise PolicyError(file, "", "找不到该策略配置文件")


def _merge(base: dict, child: dict) -> dict:
    out = dict(base)
    for key, value in child.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = _merge(out[key], value) if both else value
    return out


def _resolve(data: dict, name: str, chain: tuple[str, ...]) -> dict:
    parent = data.get("extends")
    if parent is None:
        return data
    file = f"{name}.toml"
    if not isinstance(parent, str) or not NAME_RE.match(parent):
        raise PolicyError(file, "extends", f"应为另一策略配置的名称（收到 {parent!r}）")
    if parent in (*chain, name):
        raise PolicyError(file, "extends", "继承关系成环：" + " → ".join((*chain, name, parent)))
    raw = _read(parent)
    validate(raw, parent, _chain=(*chain, name))  # the parent's own errors name the parent's file
    return _merge(_resolve(raw, parent, (*chain, name)), data)


def validate(data: dict, name: str, *, _chain: tuple[str, ...] = ()) -> Profile:
    """Build a Profile from raw TOML data (resolving `extends`), or raise PolicyError."""
    file = f"{name}.toml"
    if not isinstance(data, dict):
        raise PolicyError(file, "", "应为表")
    for key in ("name", "title", "source", "version"):  # identity is never inherited
        if key not in data:
            raise PolicyError(file, key, "缺少必填项")
    if data["name"] != name:
        raise PolicyError(file, "name", f"应与文件名一致，即“{name}”（收到 {data['name']!r}）")
    profile = _build(Profile, _resolve(data, name, _chain), "", file)
    _check(profile, file)
    return profile


@lru_cache(maxsize=64)
def _load(name: str, _dirs_key: str) -> Profile:
    return validate(_read(name), name)


def load_profile(name: str = DEFAULT_PROFILE) -> Profile:
    """The named profile, validated and with `extends` resolved; cached (clear with clear_cache())."""
    return _load(name, os.environ.get(ENV_DIRS, ""))


def clear_cache() -> None:
    _load.cache_clear()
