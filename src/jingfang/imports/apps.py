from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "jingfang.imports"
    verbose_name = "台账导入"

    def ready(self):
        from jingfang.jobs import kinds

        kinds.register("import_patients", "导入患者台账", "jingfang.imports.jobs.run_import", rerunnable=True)
