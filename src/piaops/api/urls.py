"""``/api/v1/`` (the NinjaAPI, its own namespace ``api-v1``) and ``/api/tokens/`` (the token page, ``api:``)."""

from __future__ import annotations

from django.urls import include, path

from piaops.api import views
from piaops.api.site import api

token_patterns = [
    path("", views.index, name="index"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
]

urlpatterns = [
    path("v1/", api.urls),
    path("tokens/", include((token_patterns, "api"))),
]
