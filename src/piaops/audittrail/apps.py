from django.apps import AppConfig


class AudittrailConfig(AppConfig):
    name = "piaops.audittrail"
    verbose_name = "監査証跡"
