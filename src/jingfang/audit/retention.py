"""How long audit rows are kept at least (等保 2.0: six months): read by the system check (apps.py),
the purge (chain.purge_before) and the purge_audit command."""

from django.conf import settings

MIN_RETENTION_DAYS = 180


def retention_days() -> int:
    """JINGFANG_AUDIT_RETENTION_DAYS: how long audit rows are kept at least (never below 180 days)."""
    return getattr(settings, "JINGFANG_AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)
