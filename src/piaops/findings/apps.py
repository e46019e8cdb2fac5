from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "piaops.findings"
    verbose_name = "指摘事項・フォローアップ"
