from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "piaops.assessments"
    verbose_name = "評価書"
