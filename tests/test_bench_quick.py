"""Every benchmark runs in quick mode (small sizes) inside ``make test``, so a bench can never crash unnoticed: each
must finish, print its figures, and pass its own checks that our answer equals the baseline's (the benches assert
that; timings are printed, never asserted). On the PostgreSQL run the benches use PostgreSQL too (a database of
their own per bench, next to the test database), where the hand-written baselines and the database-side paths
(COPY, SHA-256 in SQL) run.

Only the benches that take the pass's database (``FOLLOW_THE_PASS``) run in both passes; the others use no database,
a SQLite file of their own, or PostgreSQL whichever the pass (``bench.copy_baseline``), so they are
``engine_independent`` (tests/conftest.py). Every bench database starts from one migrated template per pass
(``bench.harness.SQLITE_TEMPLATE_ENV`` / ``POSTGRES_TEMPLATE_ENV``) instead of migrating again."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.harness import POSTGRES_TEMPLATE_ENV, SQLITE_TEMPLATE_ENV

from tests.live import migrated_postgres, migrated_sqlite

ROOT = Path(__file__).resolve().parents[1]
BENCHES = sorted(m.name for m in pkgutil.iter_modules([str(ROOT / "bench")]) if m.name.startswith("bench_"))
# The benches whose database is the pass's (bench.harness.database_url): SQLite in the SQLite pass, PostgreSQL in the
# PostgreSQL pass. test_the_benches_that_follow_the_pass_are_listed keeps this list true.
FOLLOW_THE_PASS = {"bench_api", "bench_audittrail", "bench_dashboard", "bench_home", "bench_training"}

# Benches that read their sizes without ``bench.harness.scale`` still run small here.
SMALL = {
    "PIAOPS_BENCH_PEOPLE": "200",
    "PIAOPS_BENCH_DOORLOG_ROWS": "2000",
    "PIAOPS_BENCH_REPEAT": "1",
}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PIAOPS_")) and k != "DATABASE_URL"}
    env |= SMALL
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    if os.environ.get("PIAOPS_TEST_DB") == "postgres":
        env["PIAOPS_BENCH_POSTGRES"] = os.environ["PIAOPS_TEST_DATABASE_URL"].rstrip("/") + "_quickbench"
    else:
        env["PIAOPS_BENCH_POSTGRES"] = "sqlite"
    return env


@pytest.fixture(scope="module")
def templates() -> Iterator[dict[str, str]]:
    """The environment naming this pass's migrated template database: SQLite, or PostgreSQL in that pass."""
    if os.environ.get("PIAOPS_TEST_DB") != "postgres":
        yield {SQLITE_TEMPLATE_ENV: str(migrated_sqlite())}
        return
    # The one migrated PostgreSQL database of this test process (tests.live), which the benches copy.
    yield {POSTGRES_TEMPLATE_ENV: migrated_postgres(os.environ["PIAOPS_TEST_DATABASE_URL"])}


def test_there_are_benches() -> None:
    assert {"bench_training", "bench_dashboard", "bench_audittrail", "bench_api"} <= set(BENCHES)


def test_the_benches_that_follow_the_pass_are_listed() -> None:
    """A bench that takes the pass's database must run in both passes: it may not be left engine_independent."""
    follows = {n for n in BENCHES if "database_url(" in (ROOT / "bench" / f"{n}.py").read_text(encoding="utf-8")}
    assert follows == FOLLOW_THE_PASS


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=() if n in FOLLOW_THE_PASS else pytest.mark.engine_independent) for n in BENCHES],
)
def test_each_bench_runs_in_quick_mode_and_its_answers_agree(name: str, templates: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", name],
        cwd=ROOT,
        env=_env() | templates,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"{name} failed in quick mode:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    figures = [line for line in done.stdout.splitlines() if "baseline (" in line and "ratio" in line]
    assert figures, f"{name} printed no figure:\n{done.stdout[-3000:]}"
