from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "piaops.tenancy"
    verbose_name = "団体・組織・職員"
