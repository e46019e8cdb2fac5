"""Who is acting right now: set by the request middleware or by a CLI command, read by ``record``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user: Any | None  # a tenancy.User, or None for the system / an anonymous caller
    name: str
    remote_addr: str = ""


SYSTEM = Actor(user=None, name="system")
_current: ContextVar[Actor] = ContextVar("piaops_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
