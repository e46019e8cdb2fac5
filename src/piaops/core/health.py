"""Health checks for the load balancer (README "複数ノード"): no log-in, and nothing revealed but ok / not ready.

``/healthz``: the process answers. ``/readyz``: the database answers and every migration is applied (a node
started before ``piaops migrate`` finished is taken out of the pool). Once a process has seen every migration
applied it only pings the database: migrations are applied before the nodes are restarted onto new code.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from piaops.core.startup import unapplied_migrations

log = logging.getLogger(__name__)
_migrated = False


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text + "\n", content_type="text/plain; charset=utf-8", status=status)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return _plain("ok", 200)


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    global _migrated
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrated:
            if unapplied_migrations():
                return _plain("not ready", 503)
            _migrated = True
    except DatabaseError:
        log.warning("readyz: the database does not answer", exc_info=True)
        return _plain("not ready", 503)
    return _plain("ok", 200)
