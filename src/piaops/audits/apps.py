from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "piaops.audits"
    verbose_name = "監査"
