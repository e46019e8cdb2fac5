from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    name = "piaops.assurance"
    verbose_name = "委託先・クラウド・管理区域"
