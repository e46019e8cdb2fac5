from django.apps import AppConfig


class SelfcheckConfig(AppConfig):
    name = "piaops.selfcheck"
    verbose_name = "自己点検"
