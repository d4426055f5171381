"""Region events, and the check of a policy profile name (the profiles are data in jingfang.policies)."""

from django.dispatch import Signal

# Sent after regions' policy profiles changed; kwargs: codes (the regions whose own setting changed).
# Everything stored per patient under those regions that depends on policy must be recomputed.
policies_changed = Signal()


def policy_problem(name: str) -> str:
    """Why a profile name cannot be set on a region (in Chinese), or "" when it loads."""
    from jingfang.policies import profiles

    if name not in profiles.available_profiles():
        return f"“{name}”不存在（可用：{'、'.join(profiles.available_profiles())}）"
    try:
        profiles.load_profile(name)
    except profiles.PolicyError as exc:
        return f"“{name}”未通过校验：{exc}"
    return ""
