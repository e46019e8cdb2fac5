"""The server refuses to start against a database with unapplied migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import copy_migrated

pytestmark = pytest.mark.engine_independent

MESSAGE = "`piaops migrate` を実行してください"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DJANGO_", "DATABASE_URL"))}
    return env | {"PIAOPS_DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}


def test_runserver_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    cmd = [sys.executable, "-c", "from piaops.cli import main; main()", "runserver", "--noreload", "127.0.0.1:0"]
    result = subprocess.run(cmd, env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "未適用のマイグレーション" in result.stderr and MESSAGE in result.stderr


def test_gunicorn_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [str(gunicorn), "--bind", "127.0.0.1:0", "--workers", "1", "piaops.wsgi:application"]
    result = subprocess.run(cmd, env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert MESSAGE in result.stderr


def test_runserver_starts_once_migrated(tmp_path: Path) -> None:
    env = _env(tmp_path)
    base = [sys.executable, "-c", "from piaops.cli import main; main()"]
    copy_migrated(tmp_path / "fresh.sqlite3")  # as `piaops migrate` leaves it; the migrate below has nothing to do
    migrate = [*base, "migrate", "--no-input"]
    subprocess.run(migrate, env=env, cwd=tmp_path, check=True, capture_output=True, timeout=300)
    server = subprocess.Popen(
        [*base, "runserver", "--noreload", "127.0.0.1:0"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        seen = ""
        for line in server.stdout:
            seen += line
            if "Quit the server" in line or "Error" in line:
                break
        assert "Quit the server" in seen, seen
        assert "未適用" not in seen
    finally:
        server.terminate()
        server.wait(timeout=30)
