from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "jingfang.regions"
    verbose_name = "行政区划"
