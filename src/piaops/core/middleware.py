"""Per-request context: who acts (for the audit trail)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from piaops.audittrail.context import SYSTEM, Actor, acting_as
from piaops.lib.clientaddr import client_addr


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        addr = client_addr(request)
        if user is not None and user.is_authenticated:
            actor = Actor(user=user, name=user.get_username(), remote_addr=addr)
        else:
            actor = Actor(user=None, name=SYSTEM.name if not addr else "anonymous", remote_addr=addr)
        with acting_as(actor):
            return self.get_response(request)
