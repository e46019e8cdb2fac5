from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "piaops.incidents"
    verbose_name = "障害・事故"
