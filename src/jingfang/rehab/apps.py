from django.apps import AppConfig


class RehabConfig(AppConfig):
    name = "jingfang.rehab"
    verbose_name = "社区康复"
