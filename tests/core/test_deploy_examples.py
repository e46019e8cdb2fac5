"""Issue 20 §4: deploy/ holds the health checks and the worker's unit, and they work: ``check-node.sh`` says ok for a
serving node and fails for a dead one; the unit's ``piaops worker`` options are ones the command accepts."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import load_command_class

from tests.live import DATABASE_FILE, copy_migrated, runserver

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.mark.skipif(shutil.which("curl") is None, reason="deploy/check-node.sh uses curl, not installed here")
# What is checked is the script against a serving and a dead node: the node is the real server on a SQLite file of
# its own, so the test is the same in either pass.
@pytest.mark.engine_independent
def test_check_node_says_ok_for_a_serving_node_and_fails_for_a_dead_one(tmp_path: Path) -> None:
    script = str(DEPLOY / "check-node.sh")
    copy_migrated(tmp_path / DATABASE_FILE)
    with runserver(tmp_path) as node:
        ok = subprocess.run(["sh", script, node], capture_output=True, text=True, timeout=60)
        assert ok.returncode == 0 and ok.stdout.strip() == "ok", ok.stderr
    # The same port, no server any more: connection refused.
    failed = subprocess.run(["sh", script, node], capture_output=True, text=True, timeout=60)
    assert failed.returncode != 0 and "ok" not in failed.stdout


def test_the_worker_unit_runs_piaops_worker_with_options_it_accepts() -> None:
    unit = (DEPLOY / "piaops-worker@.service").read_text(encoding="utf-8")
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(exec_start.removeprefix("ExecStart="))
    assert argv[0].endswith("/piaops") and argv[1] == "worker"
    options = [a.replace("%H", "node1").replace("%i", "1") for a in argv[2:]]
    parsed = load_command_class("piaops.jobs", "worker").create_parser("piaops", "worker").parse_args(options)
    assert parsed.worker_id == "node1-1"
    assert "Restart=always" in unit and "KillSignal=SIGTERM" in unit
