"""The physical limit of an import, shared by the import benches: PostgreSQL COPY of the very rows it stored.

Each import bench runs in rounds: our import (timed), then the rows it left are read back, deleted (untimed) and
written again with one bare ``COPY … FROM STDIN`` per table (timed), so both figures come from the same run, the
same rows and the same tables with the same indexes. The benches run on PostgreSQL: ``PIAOPS_BENCH_DATABASE_URL``,
else a throw-away database ``piaops_bench_imports_<pid>`` on 127.0.0.1, dropped when the bench ends. Where no
PostgreSQL answers they fall back to a SQLite file, whose baseline is then one prepared ``executemany`` and says so.

``PIAOPS_BENCH_QUICK=1`` (or ``run(quick=True)``) runs a small size once, so a bench cannot break unnoticed.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.harness import Figure, setup_django

DEFAULT_URL = f"postgresql://postgres@127.0.0.1:5432/piaops_bench_imports_{os.getpid()}"


def cli_env() -> dict[str, str]:
    """The environment of a timed ``piaops`` command: this bench's database and source tree, with its modules'
    bytecode cached as in an installation (pip compiles every module when it installs the wheel; a developer's
    ``PYTHONDONTWRITEBYTECODE`` would make each run compile ~100 modules again, ~0.15 s of the start-up)."""
    from pathlib import Path

    from django.conf import settings

    env = dict(os.environ, PIAOPS_DEBUG="1", PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        env["DATABASE_URL"] = f"postgresql://{db['USER'] or 'postgres'}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    return env


def is_quick(quick: bool | None) -> bool:
    return quick if quick is not None else os.environ.get("PIAOPS_BENCH_QUICK", "") not in ("", "0")


def _fresh_postgres(url: str) -> bool:
    """Drop and re-create the database of ``url``; False when no PostgreSQL answers there."""
    import psycopg
    from psycopg import sql

    server, name = url.rsplit("/", 1)
    try:
        with psycopg.connect(server + "/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError:
        return False
    atexit.register(_drop, server, name)
    return True


def _drop(server: str, name: str) -> None:
    import psycopg
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def in_own_process(module: str, quick: bool) -> list[Figure] | None:
    """When Django is already set up (``python -m bench`` runs every bench in one process, and another bench
    chose the database), run ``module`` again in a child process on its own database; None otherwise."""
    from django.apps import apps

    if not apps.ready:
        return None
    code = (
        f"import json; from bench import {module} as b; print(json.dumps([f.__dict__ for f in b.run(quick={quick!r})]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [Figure(**f) for f in json.loads(done.stdout.strip().splitlines()[-1])]


def setup(quick: bool) -> str:
    """Set Django up on the bench database; returns the baseline's name."""
    url = os.environ.get("PIAOPS_BENCH_DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgresql://") and not os.environ.get("PIAOPS_BENCH_DATABASE_URL"):
        if not _fresh_postgres(url):
            url = ""
    setup_django(url or None)
    from django.db import connection

    if connection.vendor == "postgresql":
        return "PostgreSQL COPY of the same rows into the same tables"
    return "SQLite executemany of the same rows (no PostgreSQL here: not the goal's COPY baseline)"


def read_rows(table: str, columns: Sequence[str], where: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY id", params)
        return list(cursor.fetchall())


def delete_rows(table: str, where: str, params: Sequence[Any]) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where}", params)


def copy_seconds(tables: Sequence[tuple[str, Sequence[str], list[tuple[Any, ...]]]]) -> float:
    """Wall time of writing ``tables`` (name, columns, rows) in one transaction: COPY on PostgreSQL, executemany
    on SQLite — nothing else, the commit included as ours includes it."""
    from django.db import connection, transaction

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in tables:
            if connection.vendor == "postgresql":
                raw: Any = cursor.cursor
                with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    return time.perf_counter() - start


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"
