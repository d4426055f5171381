from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jingfang.registry"
    verbose_name = "患者档案"
