"""Named locks shared by every node: ``with exclusive("remind") as held: ...`` (``held`` is False when another
process holds it; nothing waits).

PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on the database every node uses; it is released at
the end of the block, and by the server if the process dies. SQLite is one node's file, so a lock file beside it
(``fcntl.flock`` under ``var/locks/``) is the same guarantee; the kernel releases it when the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator

from django.conf import settings
from django.db import connection


def _key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(f"piaops:{name}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Hold the lock ``name`` for the block if no other process holds it; yields whether it is held."""
    if connection.vendor == "postgresql":
        key = _key(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = bool(cursor.fetchone()[0])
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    folder = settings.VAR_DIR / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
