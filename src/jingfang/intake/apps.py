from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "jingfang.intake"
    verbose_name = "接收与转移"
