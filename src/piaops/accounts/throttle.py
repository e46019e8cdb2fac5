"""Per-IP throttling of the log-in pages and the API: too many failures from one address → 429 for a while.

The per-user-name lockout (``accounts.services``) stops guessing one account's password; this stops one address
from trying many accounts (or many API tokens). A failure is a log-in or second-factor POST answered with the form
again (200: a success redirects), or an API request refused as unauthenticated (401).

Counts live in the database (``IpFailureWindow``, one row per scope, address and window), shared by every gunicorn
worker: a per-process count would multiply the limit by the number of workers. Each failure is one atomic
``count = count + 1`` (``piaops.lib.counters``), so concurrent failures all count: an attacker firing many guesses
at once gets no more tries than one firing them in turn. (The database cache used before had no atomic increment:
its ``incr`` is a read and a write, and concurrent failures counted as one.)

Behind the municipality's reverse proxy every request comes from the proxy's address: list the proxies in
``PIAOPS_TRUSTED_PROXIES`` and the client's address is then read from ``X-Forwarded-For``
(:func:`piaops.lib.clientaddr.client_addr`, the address the audit trail records too).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from piaops.accounts.models import IpFailureWindow
from piaops.lib.clientaddr import client_addr
from piaops.lib.counters import count_up

LOGIN_MESSAGE = (
    "このネットワークアドレスからのログインの失敗が続いたため、しばらくログインできません。"
    "{minutes}分ほど待ってから、もう一度お試しください。"
)
API_MESSAGE = "このネットワークアドレスからの認証の失敗が続いたため、しばらく API を利用できません。"


def _window(now: float | None) -> tuple[dt.datetime, int]:
    """The start of the fixed window holding ``now`` (default: the present), and the seconds until it ends."""
    seconds = int(getattr(settings, "PIAOPS_THROTTLE_WINDOW_SECONDS", 900))
    now = time.time() if now is None else now
    start = int(now // seconds) * seconds
    return dt.datetime.fromtimestamp(start, tz=dt.UTC), int(start + seconds - now) + 1


def _key(scope: str, addr: str, start: dt.datetime) -> dict[str, object]:
    return {"scope": scope, "addr": addr[:64], "window_start": start}


def failures(scope: str, addr: str, *, now: float | None = None) -> int:
    """The failures counted for ``addr`` in the window holding ``now``."""
    start, _left = _window(now)
    found = IpFailureWindow.objects.filter(**_key(scope, addr, start)).values_list("count", flat=True).first()
    return found or 0


def retry_after(scope: str, addr: str, limit: int, *, now: float | None = None) -> int | None:
    """Seconds to wait when ``addr`` has reached ``limit`` failures in this window, else None."""
    _start, left = _window(now)
    return left if failures(scope, addr, now=now) >= limit else None


def failure(scope: str, addr: str, *, now: float | None = None) -> int:
    """Count one failure of ``addr`` (atomically: see the module's docstring); return the window's count so far."""
    start, _left = _window(now)
    count, created = count_up(IpFailureWindow, **_key(scope, addr, start))
    if created:  # once per address and window: past windows are of no use
        IpFailureWindow.objects.filter(window_start__lt=start).delete()
    return count


class IpThrottleMiddleware:
    """Answer 429 (Japanese message, ``Retry-After``) to an address over its failure limit on the log-in pages
    (``PIAOPS_LOGIN_IP_FAILURES``) or the API (``PIAOPS_API_IP_FAILURES``) per ``PIAOPS_THROTTLE_WINDOW_SECONDS``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._login_paths: frozenset[str] | None = None

    def login_paths(self) -> frozenset[str]:
        if self._login_paths is None:
            self._login_paths = frozenset(reverse(name) for name in ("login", "accounts:otp_verify", "admin:login"))
        return self._login_paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        addr = client_addr(request) or "unknown"
        if request.path_info.startswith("/api/"):
            return self._guard(request, "api", addr, int(settings.PIAOPS_API_IP_FAILURES), failed=(401,))
        if request.method == "POST" and request.path_info in self.login_paths():
            return self._guard(request, "login", addr, int(settings.PIAOPS_LOGIN_IP_FAILURES), failed=(200,))
        return self.get_response(request)

    def _guard(
        self, request: HttpRequest, scope: str, addr: str, limit: int, *, failed: tuple[int, ...]
    ) -> HttpResponse:
        wait = retry_after(scope, addr, limit)
        if wait is not None:
            return _too_many(scope, wait)
        response = self.get_response(request)
        if response.status_code in failed:
            failure(scope, addr)
        return response


def _too_many(scope: str, wait: int) -> HttpResponse:
    if scope == "api":
        body = {"error": {"code": "rate_limited", "message": API_MESSAGE, "details": []}}
        response = HttpResponse(json.dumps(body, ensure_ascii=False), status=429, content_type="application/json")
    else:
        message = LOGIN_MESSAGE.format(minutes=max(1, (wait + 59) // 60))
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response
