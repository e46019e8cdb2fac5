"""`piaops backup` / `piaops restore` on SQLite and PostgreSQL, each on a throw-away database in subprocesses.

After a restore the row count of every table is the one at backup time, the audit chain verifies, and the
audit trail's append-only triggers are still in force.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest

from piaops.dbcheck import answers
from tests.live import copy_migrated, copy_migrated_postgres

pytestmark = pytest.mark.engine_independent

SEED = """
from piaops.audittrail.services import record_create
from piaops.tenancy.models import Municipality, OrgUnit
n = Municipality.objects.count()
m = Municipality.objects.create(name=f"市{n}", code=["011002", "130001", "271004", "401005"][n])
record_create(m, municipality_id=m.pk)
for i in range(3):
    u = OrgUnit.objects.create(municipality=m, name=f"課{i}", code=f"C{n}{i}", path="/")
    record_create(u, municipality_id=m.pk)
"""
STATE = """
import json
from django.db import connection
from piaops.audittrail.services import _first_break_in_database, verify_all
from piaops.core.backup import table_counts
results = verify_all()
# PostgreSQL: each chain verified by the database (fields_ok restored as the generated column the migration made)
in_database = None
if connection.vendor == "postgresql":
    in_database = [_first_break_in_database(r.municipality_id) is not None for r in results]
print(json.dumps({"counts": table_counts(), "verified": [r.ok for r in results], "in_database": in_database}))
"""
TAMPER = """
from django.db import connection
try:
    with connection.cursor() as c:
        c.execute("UPDATE audittrail_auditentry SET summary = 'x'")
    print("UPDATED")
except Exception as exc:
    print("REFUSED", exc)
"""


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DJANGO_", "DATABASE_URL"))}
    return env | {"PIAOPS_DEBUG": "1", "DATABASE_URL": database_url, "PIAOPS_HOME": str(tmp_path)}


class Piaops:
    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.env = _env(tmp_path, database_url)
        if database_url.startswith("sqlite:///"):
            copy_migrated(Path(database_url.removeprefix("sqlite:///")))  # `piaops migrate` then has nothing to do

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-c", "from piaops.cli import main; main()", *args]
        result = subprocess.run(cmd, env=self.env, cwd=self.tmp_path, capture_output=True, text=True, timeout=600)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def state(self) -> dict[str, object]:
        out = self("shell", "-c", STATE).stdout
        parsed: dict[str, object] = json.loads(out.strip().splitlines()[-1])
        return parsed


@pytest.fixture
def postgres_url() -> Iterator[str]:
    base = os.environ.get("PIAOPS_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/piaops_test")
    if not answers(base):
        if os.environ.get("PIAOPS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but does not answer at {base}")
        pytest.skip(f"no PostgreSQL server at {base}")
    name = f"piaops_backup_{secrets.token_hex(4)}"
    admin = urlparse(base)._replace(path="/postgres").geturl()
    copy_migrated_postgres(admin, name)  # `piaops migrate` then has nothing left to do
    try:
        yield urlparse(base)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _round_trip(piaops: Piaops, backup_file: Path) -> None:
    piaops("migrate", "--no-input", "-v", "0")
    piaops("shell", "-c", SEED)
    at_backup = piaops.state()
    out = piaops("backup", str(backup_file)).stdout
    assert "バックアップしました" in out and backup_file.stat().st_size > 0

    piaops("shell", "-c", SEED)
    changed = piaops.state()
    assert changed["counts"] != at_backup["counts"]  # type: ignore[index]

    out = piaops("restore", "--yes", str(backup_file)).stdout
    assert "監査証跡の検証: OK" in out
    restored = piaops.state()
    assert restored["counts"] == at_backup["counts"]
    assert restored["verified"] and all(restored["verified"])  # type: ignore[arg-type]
    assert restored["counts"]["audittrail_auditentry"] == 4  # type: ignore[index]
    if restored["in_database"] is not None:
        assert restored["in_database"] and all(restored["in_database"])  # type: ignore[arg-type]
    assert "REFUSED 監査証跡は追記のみです" in piaops("shell", "-c", TAMPER).stdout


def test_backup_and_restore_on_sqlite(tmp_path: Path) -> None:
    piaops = Piaops(tmp_path, f"sqlite:///{tmp_path / 'live.sqlite3'}")
    _round_trip(piaops, tmp_path / "backups" / "piaops.sqlite3")


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    piaops = Piaops(tmp_path, f"sqlite:///{tmp_path / 'live.sqlite3'}")
    piaops("migrate", "--no-input", "-v", "0")
    piaops("shell", "-c", SEED)
    before = piaops.state()
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(b"not a database at all" * 100)
    result = piaops("restore", "--yes", str(bogus), check=False)
    assert result.returncode != 0
    assert "バックアップではないか、壊れています" in result.stderr
    assert piaops.state() == before


def test_backup_and_restore_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    _round_trip(Piaops(tmp_path, postgres_url), tmp_path / "piaops.dump")


def test_restore_without_yes_and_without_a_terminal_explains_itself(tmp_path: Path) -> None:
    # stdin is not a terminal (as under cron or in a pipe): the command must say so, not die in input().
    piaops = Piaops(tmp_path, f"sqlite:///{tmp_path / 'live.sqlite3'}")
    piaops("migrate", "--no-input", "-v", "0")
    piaops("shell", "-c", SEED)
    backup_file = tmp_path / "backups" / "piaops.sqlite3"
    piaops("backup", str(backup_file))
    piaops("shell", "-c", SEED)
    before = piaops.state()
    cmd = [sys.executable, "-c", "from piaops.cli import main; main()", "restore", str(backup_file)]
    result = subprocess.run(
        cmd, env=piaops.env, cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600
    )
    assert result.returncode != 0
    assert "確認に答える端末がない" in result.stderr and "--yes" in result.stderr
    assert "Traceback" not in result.stderr and "EOFError" not in result.stderr
    assert piaops.state() == before


STORE = """
import hashlib, os
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
data = bytes(range(256)) * 5000
default_storage.save("evidence/kept.bin", ContentFile(data))
print(hashlib.sha256(data).hexdigest())
"""
READ = """
import hashlib
from django.core.files.storage import default_storage
print(hashlib.sha256(default_storage.open("evidence/kept.bin").read()).hexdigest() if default_storage.exists(
    "evidence/kept.bin") else "missing")
"""


@pytest.mark.slow
def test_backup_and_restore_carry_the_files_stored_in_the_database(tmp_path: Path, postgres_url: str) -> None:
    """``PIAOPS_FILE_STORAGE=database`` (tests/core/test_storage.py): the files travel inside the backup."""
    piaops = Piaops(tmp_path, postgres_url)
    piaops.env["PIAOPS_FILE_STORAGE"] = "database"
    piaops("migrate", "--no-input", "-v", "0")
    digest = piaops("shell", "-c", STORE).stdout.split()[-1]
    piaops("backup", str(tmp_path / "piaops.dump"))
    piaops("shell", "-c", "from django.core.files.storage import default_storage as d; d.delete('evidence/kept.bin')")
    assert piaops("shell", "-c", READ).stdout.split()[-1] == "missing"

    piaops("restore", "--yes", str(tmp_path / "piaops.dump"))

    assert piaops("shell", "-c", READ).stdout.split()[-1] == digest
    assert not (tmp_path / "var" / "media").exists()  # nothing went to the node's disk
