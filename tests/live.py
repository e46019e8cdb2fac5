"""Running the real ``piaops`` program in a subprocess on a SQLite file of its own (CLI and browser tests).

The test process's Django settings (``tests.settings``, in-memory database) must not leak into the child, so the
environment is rebuilt: production settings, debug on (no secret key needed), database under ``var_dir``.

Migrating an empty database runs several hundred migrations (about 18 s of CPU): a test process does it once
(:func:`migrated_sqlite`) and every var dir starts from a copy of that file; ``piaops migrate`` on the copy then finds
nothing to do, so a var dir prepared here is the same as one migrated from scratch. Tests on PostgreSQL databases
of their own do the same with :func:`migrated_postgres` (a template database, copied by ``CREATE DATABASE ...
TEMPLATE``).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

PIAOPS = [sys.executable, "-m", "piaops.cli"]
DATABASE_FILE = "piaops.sqlite3"  # under PIAOPS_VAR_DIR (piaops.settings)


def free_port() -> int:
    """A loopback TCP port nothing listens on right now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def piaops_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DJANGO_")) and k != "DATABASE_URL"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "piaops.settings",
        "PIAOPS_VAR_DIR": str(var_dir),
        "PIAOPS_DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    return env


def run_piaops(*args: str, var_dir: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``piaops ARGS`` to completion with pipes (not a TTY), returning its exit status and output."""
    return subprocess.run(
        [*PIAOPS, *args], env=piaops_env(var_dir), capture_output=True, text=True, timeout=timeout, check=False
    )


@functools.cache
def migrated_sqlite() -> Path:
    """A SQLite database file migrated by the real ``piaops migrate``, made once per test process (removed at its
    exit). Copy it (:func:`copy_migrated`); never open it for writing."""
    home = Path(tempfile.mkdtemp(prefix="piaops-migrated-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    done = run_piaops("migrate", "--no-input", "-v0", var_dir=home, timeout=900)  # minutes on a loaded machine
    if done.returncode != 0:
        raise RuntimeError(f"piaops migrate failed:\n{done.stdout}\n{done.stderr}")
    assert not (home / f"{DATABASE_FILE}-wal").exists(), "the migrating process left its WAL behind"
    return home / DATABASE_FILE


def copy_migrated(target: Path) -> Path:
    """``target`` (a database file path that does not exist yet): a copy of :func:`migrated_sqlite`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated_sqlite(), target)
    return target


def prepared_var_dir(var_dir: Path, *, people: int = 40) -> Path:
    """``var_dir`` holding a migrated database with the demo data."""
    var_dir.mkdir(parents=True, exist_ok=True)
    copy_migrated(var_dir / DATABASE_FILE)  # the migrate below then has nothing left to do
    for args in (("migrate", "--no-input", "-v0"), ("demo", "--people", str(people))):
        done = run_piaops(*args, var_dir=var_dir)
        if done.returncode != 0:
            raise RuntimeError(f"piaops {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return var_dir


def migrated_postgres(server_url: str) -> str:
    """The name of a PostgreSQL database on ``server_url``'s server migrated by the real ``piaops migrate``, made once
    per test process (dropped at its exit): the PostgreSQL counterpart of :func:`migrated_sqlite`. Copy it
    (:func:`copy_migrated_postgres`); never connect to it (a template must have no connection while it is copied)."""
    return _migrated_postgres(urlparse(server_url)._replace(path="/postgres").geturl())


@functools.cache
def _migrated_postgres(admin: str) -> str:
    import psycopg
    from psycopg import sql

    parsed = urlparse(admin)
    name = f"piaops_migrated_{os.getpid()}"  # one per test process, whichever database of the server names it
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    atexit.register(_drop_postgres, admin, name)
    home = Path(tempfile.mkdtemp(prefix="piaops-migrated-pg-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    env = piaops_env(home) | {"DATABASE_URL": parsed._replace(path=f"/{name}").geturl()}
    done = subprocess.run(
        [*PIAOPS, "migrate", "--no-input", "-v0"], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"piaops migrate failed:\n{done.stdout}\n{done.stderr}")
    return name


def copy_migrated_postgres(server_url: str, target: str) -> None:
    """(Re)create the database ``target`` on ``server_url``'s server as a copy of :func:`migrated_postgres`."""
    import psycopg
    from psycopg import sql

    template = migrated_postgres(server_url)
    admin = urlparse(server_url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(target), sql.Identifier(template)))


def _drop_postgres(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    except psycopg.Error:
        pass  # the server went away first: nothing left to clean up here


@contextlib.contextmanager
def runserver(var_dir: Path, *, ready: str = "/healthz", env: dict[str, str] | None = None) -> Iterator[str]:
    """``piaops runserver`` on ``var_dir``'s database and a free loopback port, once ``ready`` answers (its first
    answer loads the URLconf and the views: seconds on a busy machine, so up to two minutes); yields its base URL
    and stops it on leaving."""
    base = f"http://127.0.0.1:{free_port()}"
    server = subprocess.Popen(
        [*PIAOPS, "runserver", "--noreload", base.removeprefix("http://")],
        env=piaops_env(var_dir) | (env or {}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}{ready}", timeout=10).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
