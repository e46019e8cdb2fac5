from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "piaops.reports"
    verbose_name = "ダッシュボード・報告"

    def ready(self) -> None:
        from piaops.jobs.registry import register

        # The base may not name the reports layer: the report files' job kinds are plugged in from here.
        register("section4_export", "piaops.reports.jobs.section4_export")
        register("periodic_export", "piaops.reports.jobs.periodic_export")
