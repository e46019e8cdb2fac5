"""URLs of the people import (included under ``tenancy/import/``)."""

from __future__ import annotations

from django.urls import path

from piaops.tenancy import import_views

app_name = "tenancy_import"
urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("confirm/", import_views.confirm, name="confirm"),
    path("result/<int:pk>/", import_views.result, name="result"),
    path("example/<str:name>", import_views.example, name="example"),
]
