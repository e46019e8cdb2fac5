"""`make run` is a real installation: DEBUG off, a secret key generated once under var/ and read by every later
``piaops`` command with no variable, static files and Japanese error pages served by the app itself."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.live import PIAOPS, free_port

pytestmark = pytest.mark.engine_independent

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"


def _bare_env(**extra: str) -> dict[str, str]:
    """The environment of an operator's shell: no PIAOPS_*, DJANGO_* or DATABASE_URL at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DJANGO_")) and k != "DATABASE_URL"}
    return {**env, "PYTHONPATH": str(SRC), "PYTHONUNBUFFERED": "1", **extra}


def _run(args: list[str], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=_bare_env(**extra), capture_output=True, text=True, timeout=300)


def _make_run_commands(**env: str) -> list[str]:
    """The commands ``make run`` would execute (``make -n``: printed, not run)."""
    # Without the variables of an enclosing `make test` (MAKEFLAGS carries its command-line variables).
    bare = {k: v for k, v in _bare_env(**env).items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}}
    done = subprocess.run(
        ["make", "-n", "run", "PORT=18999"], cwd=ROOT, env=bare, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_make_run_generates_the_key_first_and_runs_with_debug_off() -> None:
    lines = _make_run_commands()
    key = next(n for n, line in enumerate(lines) if "-m piaops.secretkey var/secret_key" in line)
    migrate = next(n for n, line in enumerate(lines) if line.endswith("piaops migrate --no-input"))
    server = lines[-1]
    assert key < migrate
    assert server.endswith("piaops runserver 127.0.0.1:18999") and "PIAOPS_DEBUG=0" in server
    assert "PIAOPS_DEBUG=1" not in "\n".join(lines)


def test_a_developer_still_gets_debug_with_piaops_debug_1() -> None:
    assert "PIAOPS_DEBUG=1" in _make_run_commands(PIAOPS_DEBUG="1")[-1]


def test_the_key_is_written_once_and_every_command_reads_it_without_a_variable(tmp_path: Path) -> None:
    refused = _run([*PIAOPS, "check"], tmp_path)
    assert refused.returncode != 0 and "python -m piaops.secretkey" in refused.stderr

    first = _run([sys.executable, "-m", "piaops.secretkey"], tmp_path)
    assert first.returncode == 0 and "秘密鍵を生成しました" in first.stdout
    key_file = tmp_path / "var" / "secret_key"
    key = key_file.read_text(encoding="utf-8").strip()
    assert len(key) >= 50 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = _run([sys.executable, "-m", "piaops.secretkey"], tmp_path)
    assert again.returncode == 0 and again.stdout == "" and key_file.read_text(encoding="utf-8").strip() == key

    shown = _run([sys.executable, "-c", "import piaops.settings as s; print(s.DEBUG, s.SECRET_KEY)"], tmp_path)
    assert shown.stdout.split() == ["False", key]
    checked = _run([*PIAOPS, "check"], tmp_path)
    assert checked.returncode == 0, checked.stderr
    # An explicit key still wins over the file.
    code = "import piaops.settings as s; print(s.SECRET_KEY)"
    explicit = _run([sys.executable, "-c", code], tmp_path, PIAOPS_SECRET_KEY="x" * 60)
    assert explicit.stdout.strip() == "x" * 60


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.slow
def test_the_server_of_make_run_serves_static_files_and_japanese_error_pages(tmp_path: Path) -> None:
    """The same commands and variables as ``make run`` (without the demo), on a free port."""
    if os.environ.get("PIAOPS_TEST_DB") == "postgres":
        pytest.skip("SQLite の回で実行済みです（make run のサーバーは SQLite で動きます）")
    run_env = dict(
        word.split("=", 1) for word in _make_run_commands()[-1].split() if word.startswith("PIAOPS_") and "=" in word
    )
    assert run_env["PIAOPS_DEBUG"] == "0"
    assert _run([sys.executable, "-m", "piaops.secretkey", "var/secret_key"], tmp_path).returncode == 0
    migrated = _run([*PIAOPS, "migrate", "--no-input", "-v0"], tmp_path, **run_env)
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [*PIAOPS, "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        env=_bare_env(**run_env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, login = _get(f"{base}/login/")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.3)
        assert status == 200 and "ユーザー名" in login
        status, css = _get(f"{base}/static/piaops/app.css")
        assert status == 200 and "font-family" in css
        status, missing = _get(f"{base}/no-such-page/")
        assert status == 404 and "お探しのページは見つかりませんでした。" in missing
        assert 'href="/static/piaops/app.css"' in missing and "Traceback" not in missing
        assert "Page not found" not in missing and "DEBUG = True" not in missing
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
