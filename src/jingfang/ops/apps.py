from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "jingfang.ops"
    verbose_name = "运维（备份、恢复、健康检查）"
