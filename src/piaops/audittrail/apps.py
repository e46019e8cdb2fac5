from django.apps import AppConfig


class AudittrailConfig(AppConfig):
    name = "piaops.audittrail"
    verbose_name = "監査証跡"

    def ready(self) -> None:
        from piaops.audittrail import auth_events  # noqa: F401  (connects Django's log-in signals)
