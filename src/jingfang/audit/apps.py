from django.apps import AppConfig
from django.core import checks

from .retention import MIN_RETENTION_DAYS, retention_days


def check_retention(app_configs=None, **kwargs):
    days = retention_days()
    if isinstance(days, bool) or not isinstance(days, int) or days < MIN_RETENTION_DAYS:
        return [checks.Error(
            f"审计记录保留期 JINGFANG_AUDIT_RETENTION_DAYS={days!r} 不合规：至少保留{MIN_RETENTION_DAYS}天（6个月）。",
            hint=f"设为不小于{MIN_RETENTION_DAYS}的整数天数，或删除该设置使用默认值。",
            id="audit.E001",
        )]
    return []


def _audit_bulk_admin_logs() -> None:
    """Admin bulk actions (e.g. deleting several users) write LogEntry rows with bulk_create, which
    sends no post_save: audit those here. Single entries are audited by the post_save handler."""
    from django.contrib.admin.models import LogEntryManager

    from .log import record_admin_entry

    original = LogEntryManager.log_actions
    if getattr(original, "_jingfang_audited", False):
        return

    def log_actions(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if isinstance(result, list) and len(result) > 1:
            for entry in result:
                record_admin_entry(entry)
        return result

    log_actions._jingfang_audited = True
    LogEntryManager.log_actions = log_actions


class AuditConfig(AppConfig):
    name = "jingfang.audit"
    verbose_name = "审计"

    def ready(self):
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from .log import on_log_entry_saved

        checks.register(check_retention)
        post_save.connect(on_log_entry_saved, sender=LogEntry, dispatch_uid="jingfang.audit.log_entry")
        _audit_bulk_admin_logs()
