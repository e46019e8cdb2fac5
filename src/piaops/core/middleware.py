"""Per-request context: who acts (for the audit trail), and in which language the pages are shown."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from piaops.audittrail.context import SYSTEM, acting_as, request_actor
from piaops.lib.clientaddr import client_addr


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = request_actor(request, user=user, name=user.get_username())
        else:
            name = SYSTEM.name if not client_addr(request) else "anonymous"
            actor = request_actor(request, user=None, name=name)
        with acting_as(actor):
            return self.get_response(request)


class ChosenLanguageMiddleware:
    """Japanese unless the user chose another language with the switcher (the ``set_language`` cookie).

    Unlike Django's ``LocaleMiddleware`` the browser's Accept-Language is ignored: a PC set up in English would
    otherwise get a half-translated screen that colleagues cannot compare with theirs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
