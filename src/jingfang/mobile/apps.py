from django.apps import AppConfig


class MobileConfig(AppConfig):
    name = "jingfang.mobile"
    verbose_name = "离线随访"
