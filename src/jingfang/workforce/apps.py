from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "jingfang.workforce"
    verbose_name = "精神卫生人员"
