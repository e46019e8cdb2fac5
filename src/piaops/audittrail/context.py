"""Who is acting right now: set by the request middleware or by a CLI command, read by ``record``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest

from piaops.lib.clientaddr import client_addr, proxy_addr

if TYPE_CHECKING:
    from piaops.tenancy.models import User


@dataclass(frozen=True)
class Actor:
    user: User | None  # None for the system or an anonymous caller
    name: str
    remote_addr: str = ""  # the client's address (behind a trusted proxy: the one it forwarded)
    proxy_addr: str = ""  # the trusted proxy the request came through, if any


def request_actor(request: HttpRequest | None, *, user: User | None, name: str) -> Actor:
    """The actor of a web or API request: the client's address and the proxy's (``piaops.lib.clientaddr``)."""
    return Actor(user=user, name=name, remote_addr=client_addr(request), proxy_addr=proxy_addr(request))


SYSTEM = Actor(user=None, name="system")
_current: ContextVar[Actor] = ContextVar("piaops_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


def set_actor(actor: Actor) -> None:
    """Make ``actor`` the one acting for the rest of this context (the API, once it has read the caller's token)."""
    _current.set(actor)


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
