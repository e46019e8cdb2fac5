from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "piaops.jobs"
    verbose_name = "バックグラウンド処理"
