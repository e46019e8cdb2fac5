"""Scratch databases for the trust tests: real programs in subprocesses on committed data of their own.

``scratch_postgres(name)`` creates (or recreates) a PostgreSQL database next to the test database, when the suite runs
on PostgreSQL; ``env_for`` is ``tests.live.piaops_env`` pointed at a ``DATABASE_URL``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
from django.conf import settings
from psycopg import sql

from tests.live import PIAOPS, piaops_env


def on_postgres() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"))


def _server() -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": str(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or "",
        "dbname": db["NAME"],
    }


def scratch_postgres(suffix: str) -> str:
    """A fresh, empty PostgreSQL database named after the test database; returns its ``postgresql://`` URL."""
    server = _server()
    name = f"{server['dbname']}_{suffix}"
    with psycopg.connect(
        host=server["host"], port=server["port"], user=server["user"], password=server["password"], dbname="postgres",
        autocommit=True,
    ) as conn:  # fmt: skip
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    auth = server["user"] + (f":{server['password']}" if server["password"] else "")
    return f"postgresql://{auth}@{server['host']}:{server['port']}/{name}"


def env_for(var_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = piaops_env(var_dir) | {"PIAOPS_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``piaops ARGS`` in a subprocess on the database of ``env``."""
    return subprocess.run([*PIAOPS, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def python(env: dict[str, str], code: str) -> str:
    """Run ``code`` after ``django.setup()`` in a subprocess on the database of ``env``; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
