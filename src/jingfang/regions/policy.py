"""Which policy profile governs a region: the profile set on the region or its nearest ancestor
(``Region.policy``), else the national default. Everything that applies a policy number asks here,
from the registry up: a profile's numbers are data (jingfang.policies), never literals in code."""

from __future__ import annotations

import logging
import time

from jingfang.policies import profiles as policy

from . import codes
from .models import Region

log = logging.getLogger(__name__)
_TTL = 60.0
# The regions that set a profile themselves (few: a province, some counties or townships), as
# {code: profile name}, read at most once a minute per process; any region's code resolves against it.
_settings_cache: list = [0.0, None]


def clear_cache(*args, **kwargs) -> None:
    """Forget the cached settings and loaded profiles (connected to Region saves and deletes)."""
    _settings_cache[0], _settings_cache[1] = 0.0, None
    policy.clear_cache()


def _settings() -> dict[str, str]:
    now = time.monotonic()
    if _settings_cache[1] is None or now - _settings_cache[0] > _TTL:
        _settings_cache[1] = dict(Region.objects.exclude(policy="").values_list("code", "policy"))
        _settings_cache[0] = now
    return _settings_cache[1]


def chain_codes(code: str) -> list[str]:
    """The code and its ancestors' codes, deepest first."""
    out = []
    for level in range(codes.level_of(code), codes.PROVINCE - 1, -1):
        prefix = code[: codes.PREFIX_LENGTH[level]]
        out.append(prefix + "0" * (12 - len(prefix)))
    return out


def policy_regions() -> list[str]:
    """The codes of the regions that set a policy profile of their own."""
    return list(_settings())


def profile_name_for(region_code: str) -> str:
    """The profile set on the region or its nearest ancestor; national-2018 when none is."""
    found = _settings()
    return next((found[c] for c in chain_codes(region_code) if c in found), policy.DEFAULT_PROFILE)


def profile_for(region_code: str):
    name = profile_name_for(region_code)
    try:
        return policy.load_profile(name)
    except policy.PolicyError:
        log.exception("policy profile %s failed to load; using %s", name, policy.DEFAULT_PROFILE)
        return policy.load_profile(policy.DEFAULT_PROFILE)
