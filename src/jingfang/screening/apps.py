from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "jingfang.screening"
    verbose_name = "摸排筛查"
