from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "piaops.reports"
    verbose_name = "ダッシュボード・報告"
