"""URLs of the people import (included under ``tenancy/import/``)."""

from __future__ import annotations

from django.urls import path

from piaops.tenancy.people_import import views

app_name = "tenancy_import"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("confirm/", views.confirm, name="confirm"),
    path("result/<int:pk>/", views.result, name="result"),
    path("example/<str:name>", views.example, name="example"),
]
