from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "jingfang.care"
    verbose_name = "关爱帮扶"
