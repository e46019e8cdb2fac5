from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "piaops.training"
    verbose_name = "教育・啓発"
