from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "piaops.reviews"
    verbose_name = "評価書の見直し"
