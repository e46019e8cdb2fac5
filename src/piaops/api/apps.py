from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "piaops.api"
    label = "api"
    verbose_name = "API"
