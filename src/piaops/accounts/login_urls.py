"""The log-in and log-out pages at the site's root: ``/login/`` and ``/logout/``, URL names ``login`` (which
``LOGIN_URL`` names) and ``logout``. The rest of accounts lives under ``/accounts/`` (``accounts:*``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from piaops.accounts import views

urlpatterns: list[URLPattern] = [
    path("login/", views.log_in, name="login"),
    path("logout/", views.log_out, name="logout"),
]
