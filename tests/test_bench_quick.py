"""Every benchmark runs in quick mode (small sizes) inside ``make test``, so a bench can never crash unnoticed: each
must finish, print its figures, and pass its own checks that our answer equals the baseline's (the benches assert
that; timings are printed, never asserted). On the PostgreSQL run the benches use PostgreSQL too (a database of
their own per bench, next to the test database), where the hand-written baselines and the database-side paths
(COPY, SHA-256 in SQL) run."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHES = sorted(m.name for m in pkgutil.iter_modules([str(ROOT / "bench")]) if m.name.startswith("bench_"))

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


def test_there_are_benches() -> None:
    assert {"bench_training", "bench_dashboard", "bench_audittrail", "bench_api"} <= set(BENCHES)


@pytest.mark.parametrize("name", BENCHES)
def test_each_bench_runs_in_quick_mode_and_its_answers_agree(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", name],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"{name} failed in quick mode:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    figures = [line for line in done.stdout.splitlines() if "baseline (" in line and "ratio" in line]
    assert figures, f"{name} printed no figure:\n{done.stdout[-3000:]}"
