from django.apps import AppConfig


class ManualConfig(AppConfig):
    name = "piaops.manual"
    verbose_name = "操作マニュアル"
