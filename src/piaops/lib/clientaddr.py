"""The address of the client behind a request, for the per-IP throttle and the audit trail alike.

Behind the municipality's reverse proxy every request comes from the proxy's address: list the proxies in
``PIAOPS_TRUSTED_PROXIES`` and the client's address is then read from ``X-Forwarded-For``. From any other peer the
header is ignored (anyone can send it), so a client cannot choose the address the trail records or the throttle counts.
The trail keeps the proxy's own address alongside the client's (:func:`proxy_addr`).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_addr(request: HttpRequest | None) -> str:
    """``REMOTE_ADDR``, or, when that is a trusted proxy, the right-most ``X-Forwarded-For`` entry that is not one
    (the left-most entries are whatever the client sent); "" without a request or an address."""
    if request is None:
        return ""
    addr: str = request.META.get("REMOTE_ADDR", "") or ""
    trusted = set(getattr(settings, "PIAOPS_TRUSTED_PROXIES", ()))
    if addr not in trusted:
        return addr
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return str(hop)
    return addr


def proxy_addr(request: HttpRequest | None) -> str:
    """The trusted proxy the request came through (``REMOTE_ADDR``) when :func:`client_addr` read the client from
    ``X-Forwarded-For``; "" when the peer is the client itself (or the proxy forwarded no client address)."""
    if request is None:
        return ""
    addr: str = request.META.get("REMOTE_ADDR", "") or ""
    return addr if client_addr(request) != addr else ""
