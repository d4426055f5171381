from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jingfang.accounts"
    verbose_name = "用户与角色"

    def ready(self):
        from . import checks  # noqa: F401  registers the deploy checks
