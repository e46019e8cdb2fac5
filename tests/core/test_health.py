"""The load balancer's checks: no log-in, nothing revealed, and /readyz says 503 until the migrations are applied."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from tests.core.lockholder import held_elsewhere
from tests.core.test_settings import SECRET, _run
from tests.live import copy_migrated


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_the_checks_answer_without_log_in_and_reveal_nothing(path: str) -> None:
    response = Client().get(path)

    assert response.status_code == 200 and response.content == b"ok\n"
    assert response["Content-Type"].startswith("text/plain") and "no-cache" in response["Cache-Control"]
    assert Client().post(path).status_code == 405


READY = """
import django
django.setup()
from django.test import Client
r = Client(SERVER_NAME="127.0.0.1").get("/readyz")
print(r.status_code, r.content.decode().strip())
"""


# In subprocesses on a SQLite file of its own whatever the pass.
@pytest.mark.engine_independent
def test_readyz_is_not_ready_until_the_database_is_migrated(tmp_path: Path) -> None:
    env = {
        "PIAOPS_SECRET_KEY": SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PIAOPS_SSL_REDIRECT": "1",  # production: the check is still answered over plain HTTP
        "DJANGO_SETTINGS_MODULE": "piaops.settings",
    }
    before = _run(READY, tmp_path, **env)
    # Migrated as `piaops migrate` leaves it (a copy of the one migrated file; the migrate then has nothing to do).
    for leftover in tmp_path.glob("db.sqlite3*"):
        leftover.unlink()
    copy_migrated(tmp_path / "db.sqlite3")
    migrate = _run("from piaops.cli import main; main(['migrate', '-v', '0'])", tmp_path, **env)
    after = _run(READY, tmp_path, **env)

    assert before.stdout.strip() == "503 not ready", before.stderr[-2000:]
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    assert after.stdout.strip() == "200 ok", after.stderr[-2000:]


@pytest.mark.django_db
def test_a_lock_held_by_another_process_is_refused_until_it_is_released(tmp_path: Path, settings: object) -> None:
    from piaops.core.locks import exclusive

    with held_elsewhere("remind", tmp_path):
        with exclusive("remind") as held:
            assert not held
        with exclusive("another") as held:
            assert held
    with exclusive("remind") as held:
        assert held
