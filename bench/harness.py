"""The shared pieces of every benchmark: timing, Django set-up on a throw-away database, the report line, and the
quick mode.

Quick mode (``python -m bench --quick``, run by ``tests/test_bench_quick.py`` inside ``make test``): every bench runs
at small sizes (:func:`scale`), so a bench that crashes or whose answer no longer equals its baseline's fails the
tests; its timings are printed and never asserted. Default: the stated scale.
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

QUICK_ENV = "PIAOPS_BENCH_QUICK"
# Set by tests/test_bench_quick.py so each bench does not run several hundred migrations again: a migrated SQLite file
# every fresh SQLite database starts as a copy of, and a migrated PostgreSQL database (same server) every bench
# database is created from (CREATE DATABASE … TEMPLATE). The migrate of setup_django then has nothing to do.
SQLITE_TEMPLATE_ENV = "PIAOPS_BENCH_SQLITE_TEMPLATE"
POSTGRES_TEMPLATE_ENV = "PIAOPS_BENCH_POSTGRES_TEMPLATE"


def quick() -> bool:
    return os.environ.get(QUICK_ENV) == "1"


def scale(name: str, full: int, small: int) -> int:
    """A size: the environment variable ``name`` if set, else ``small`` in quick mode and ``full`` otherwise."""
    value = os.environ.get(name)
    if value:
        return int(value)
    return small if quick() else full


def load_average() -> str:
    """The 1-minute load average (``uptime``), printed next to every figure: the machine is shared."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:  # pragma: no cover (platforms without it)
        return "?"


@dataclass(frozen=True)
class Figure:
    name: str
    ours: float  # seconds (median)
    baseline: float  # seconds (median)
    baseline_name: str
    unit_count: int = 0  # rows, items... processed per run, for a throughput column
    target: str = ""  # e.g. "ours ≤ 2× baseline"

    def line(self) -> str:
        ratio = self.ours / self.baseline if self.baseline else float("inf")
        rate = ""
        if self.unit_count:
            rate = f"  ({self.unit_count / self.ours:,.0f}/s vs {self.unit_count / self.baseline:,.0f}/s)"
        target = f"  goal: {self.target}" if self.target else ""
        return (
            f"{self.name}: {self.ours * 1000:,.1f} ms   baseline ({self.baseline_name}): "
            f"{self.baseline * 1000:,.1f} ms   ratio {ratio:.2f}×{rate}{target}   [load {load_average()}]"
        )


def median_seconds(fn: Callable[[], object], *, repeat: int = 5, setup: Callable[[], object] | None = None) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs; ``setup`` runs untimed before each."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/piaops_bench"


def database_url(bench: str) -> str | None:
    """The throw-away PostgreSQL database of one bench (dropped and re-created here), or None for a fresh SQLite
    file. ``PIAOPS_BENCH_POSTGRES`` names the server and a database prefix (``…/piaops_bench`` gives
    ``piaops_bench_<bench>``); without it the stated scale uses PostgreSQL at 127.0.0.1 when it answers (the
    issue's figures are PostgreSQL's), and quick mode uses SQLite. ``PIAOPS_BENCH_POSTGRES=sqlite`` forces
    SQLite."""
    from urllib.parse import urlparse

    from piaops.dbcheck import answers

    url = os.environ.get("PIAOPS_BENCH_POSTGRES", "")
    if url == "sqlite" or (not url and quick()):
        return None
    url = url or DEFAULT_POSTGRES
    if not answers(url):
        if os.environ.get("PIAOPS_BENCH_POSTGRES"):
            raise SystemExit(f"PostgreSQL does not answer at {url}")
        return None
    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'piaops_bench'}_{bench}"
    import psycopg

    server = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        template = os.environ.get(POSTGRES_TEMPLATE_ENV)
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    atexit.register(_drop_database, server, name)
    return parsed._replace(path=f"/{name}").geturl()


def _drop_database(server: str, name: str) -> None:
    """Drop a bench's database when its process ends, so no run (``make test`` twice a day included) leaves
    databases behind on the server. FORCE ends the process's own Django connections."""
    import psycopg

    try:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as exc:  # the figures are printed already; say why the database is left
        print(f"  (could not drop the bench database {name}: {exc})", flush=True)


def interleaved(
    fns: list[Callable[[], object]], *, repeat: int = 5, setup: Callable[[], object] | None = None
) -> list[float]:
    """Median wall time of each of ``fns``, run in turn ``repeat`` times (A B A B …): on a shared machine a load
    spike then hits both sides of a ratio, not one. ``setup`` runs untimed before each call."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            if setup is not None:
                setup()
            start = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def growth(points: list[tuple[int, float]], unit: str) -> str:
    """How a cost grows over sizes: the figures and the exponent k of time ∝ size^k between the extremes."""
    import math

    (n0, t0), (n1, t1) = points[0], points[-1]
    k = math.log(t1 / t0) / math.log(n1 / n0) if t0 > 0 and t1 > 0 and n1 != n0 else float("nan")
    shape = "flat: independent of size" if k < 0.2 else "linear or better" if k <= 1.1 else "WORSE than linear"
    sizes = ", ".join(f"{n:,} {unit} {t * 1000:,.1f} ms" for n, t in points)
    return f"{sizes} — time ∝ size^{k:.2f} ({shape})"


def setup_django(database_url: str | None = None) -> None:
    """Configure Django on a fresh SQLite file (or ``database_url``) and migrate it."""
    os.environ.setdefault("PIAOPS_DEBUG", "1")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        if "PIAOPS_VAR_DIR" not in os.environ:
            os.environ["PIAOPS_VAR_DIR"] = tempfile.mkdtemp(prefix="piaops-bench-")
            atexit.register(shutil.rmtree, os.environ["PIAOPS_VAR_DIR"], ignore_errors=True)
        template = os.environ.get(SQLITE_TEMPLATE_ENV)
        target = os.path.join(os.environ["PIAOPS_VAR_DIR"], "piaops.sqlite3")  # piaops.settings' SQLite file
        if template and not os.path.exists(target):
            os.makedirs(os.environ["PIAOPS_VAR_DIR"], exist_ok=True)
            shutil.copyfile(template, target)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "piaops.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def count_queries(fn: Callable[[], object]) -> int:
    """The number of SQL queries ``fn`` runs, on every configured database connection (PostgreSQL has a second
    alias, ``progress``). The query logs are emptied first: Django keeps at most 9,000 logged queries per
    connection, and once a log is full (a demo built under DEBUG fills it) ``CaptureQueriesContext`` counts 0 —
    which is why ``bench_dashboard`` once printed 0 queries for ``/reports/`` at every size."""
    from contextlib import ExitStack

    from django.db import connections, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with ExitStack() as stack:
        contexts = [stack.enter_context(CaptureQueriesContext(connections[alias])) for alias in connections]
        fn()
    return sum(len(ctx) for ctx in contexts)


def logged_in_client(user: Any) -> Any:
    """A Django test client logged in as ``user`` with the second factor done (as ``tests/conftest.py`` does):
    without it an admin's every page redirects to the TOTP step and the bench would time the redirect."""
    from django.test import Client

    from piaops.accounts.session import OTP_VERIFIED

    client = Client(SERVER_NAME="localhost")  # in ALLOWED_HOSTS by default
    client.force_login(user)
    session = client.session
    session[OTP_VERIFIED] = user.pk
    session.save()
    return client
