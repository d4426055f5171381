from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jingfang.audit"
    verbose_name = "审计"
