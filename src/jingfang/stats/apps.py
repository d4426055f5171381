from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "jingfang.stats"
    verbose_name = "统计与督导"
