"""Another process (another node) holding a lock of :mod:`piaops.core.locks` on the test database."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.core.test_settings import SECRET, SRC

HOLDER = """
import sys
import django
django.setup()
from piaops.core.locks import exclusive
with exclusive(sys.argv[1]) as held:
    print("held" if held else "busy", flush=True)
    sys.stdin.readline()
"""


@contextlib.contextmanager
def held_elsewhere(name: str, tmp_path: Path) -> Iterator[None]:
    """Hold ``name`` in a child process for the block (SQLite: lock files under ``tmp_path``, shared with this
    process through ``settings.VAR_DIR``, which the caller's ``settings`` fixture restores)."""
    if connection.vendor == "sqlite":
        settings.VAR_DIR = tmp_path
        database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "PIAOPS_VAR_DIR": str(tmp_path)}
    else:
        s = connection.settings_dict
        database = {"DATABASE_URL": f"postgresql://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"}
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(SRC),
        "PIAOPS_SECRET_KEY": SECRET,
        "DJANGO_SETTINGS_MODULE": "piaops.settings",
        **database,
    }
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, name], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.communicate("\n", timeout=30)
