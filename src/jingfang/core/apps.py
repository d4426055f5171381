from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jingfang.core"
    verbose_name = "公共"
