from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "piaops.areas"
    verbose_name = "管理区域（入退室管理）"
