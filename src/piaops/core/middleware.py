"""Per-request context: who acts (for the audit trail)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
