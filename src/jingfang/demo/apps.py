from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jingfang.demo"
    verbose_name = "演示数据"
