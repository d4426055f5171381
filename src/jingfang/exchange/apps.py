from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jingfang.exchange"
    verbose_name = "信息交换与核对"
