"""Issue 20 §4: deploy/ holds the health checks and the worker's unit, and they work: ``check-node.sh`` says ok for a
serving node and fails for a dead one; the unit's ``piaops worker`` options are ones the command accepts."""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
from django.core.management import load_command_class

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.mark.skipif(shutil.which("curl") is None, reason="deploy/check-node.sh uses curl, not installed here")
# What is checked is the script against a serving and a dead node, not the database: once, in the SQLite pass (a
# live server's flush on PostgreSQL would meet the audit trail's append-only guard).
@pytest.mark.skipif(os.environ.get("PIAOPS_TEST_DB") == "postgres", reason="the script is checked in the SQLite pass")
@pytest.mark.django_db(transaction=True)
def test_check_node_says_ok_for_a_serving_node_and_fails_for_a_dead_one(live_server: object) -> None:
    script = str(DEPLOY / "check-node.sh")
    # The live server's first answer loads the URLconf and the views (seconds on a busy machine); the script gives
    # a node 5 s, as a load balancer would a warm one.
    urllib.request.urlopen(f"{live_server}/healthz", timeout=120).read()
    ok = subprocess.run(["sh", script, str(live_server)], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.strip() == "ok", ok.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"  # bound, not listening: connection refused
        failed = subprocess.run(["sh", script, dead], capture_output=True, text=True, timeout=60)
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
