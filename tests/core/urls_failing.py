"""The real URLs plus one view that fails with a 個人番号 in its exception (for the error-page test)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from piaops.urls import urlpatterns as real

NUMBER = "123456789018"


def failing(request: HttpRequest) -> HttpResponse:
    raise ValueError(f"could not process {NUMBER} / {request.GET.get('q', '')}")


urlpatterns = [path("failing/", failing), *real]
