from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "piaops.core"
    verbose_name = "共通"
