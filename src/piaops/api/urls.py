"""``/api/v1/`` (the NinjaAPI, its own namespace ``api-v1``; any other URL under ``/api/`` answers a JSON 404) and
``/api/tokens/`` (the token page, ``api:``)."""

from __future__ import annotations

from django.urls import include, path, re_path

from piaops.api import views
from piaops.api.site import api_urls, unknown_url

token_patterns = [
    path("", views.index, name="index"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
]

urlpatterns = [
    path("v1/docs", views.reference, name="api_docs"),  # our own page, before the API's JSON answers
    path("v1/", api_urls()),  # a wrong method on a path: the JSON 405 of the API
    re_path(r"^v1/(?P<rest>.*)$", unknown_url),  # after every operation: the JSON 404 of the API
    path("tokens/", include((token_patterns, "api"))),
    re_path(r"^(?!tokens(/|$))(?P<rest>.*)$", unknown_url),  # /api/ itself, /api/v2/…: the JSON 404 as well
]
