"""``piaops audit-log verify`` end to end, on a database written by concurrent ``piaops`` processes.

No test transaction here: the processes are real, on a database of their own — a SQLite file, or (in the
PostgreSQL run) a scratch PostgreSQL database next to the test database, so both locking schemes are proven.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest

from tests.live import copy_migrated, copy_migrated_postgres

WRITERS = 4
APPENDS = 15

APPEND = """
import django, sys
django.setup()
from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.tenancy.models import Municipality
m = Municipality.objects.get(code="011002")
for i in range(int(sys.argv[1])):
    record(action=Action.UPDATE, municipality_id=m.pk, object_repr=f"writer {sys.argv[2]}", after={"i": i})
"""


@dataclass
class Scratch:
    url: str
    env: dict[str, str]

    def sql(self, *statements: str) -> list[tuple[object, ...]]:
        """Run statements directly (no Django), committing; returns the last one's rows."""
        rows: list[tuple[object, ...]] = []
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as conn:
                for statement in statements:
                    rows = list(conn.execute(statement))
        else:
            with psycopg.connect(self.url, autocommit=True) as conn:
                for statement in statements:
                    cur = conn.execute(statement)
                    rows = list(cur.fetchall()) if cur.description else []
        return rows


def _piaops(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "piaops.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _database(tmp: Path) -> Iterator[str]:
    if os.environ.get("PIAOPS_TEST_DB") != "postgres":
        copy_migrated(tmp / "piaops.sqlite3")  # `piaops migrate` then has nothing left to do
        yield f"sqlite:///{tmp / 'piaops.sqlite3'}"
        return
    base = urlparse(os.environ["PIAOPS_TEST_DATABASE_URL"])
    name = f"{base.path.lstrip('/')}_cli"
    admin = base._replace(path="/postgres").geturl()
    copy_migrated_postgres(admin, name)  # `piaops migrate` then has nothing left to do
    try:
        yield base._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    for url in _database(tmp_path_factory.mktemp("cli")):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DATABASE_URL", "DJANGO_"))}
        env.update(
            PIAOPS_SECRET_KEY="cli-test-key-0123456789abcdef0123456789",
            DATABASE_URL=url,
            DJANGO_SETTINGS_MODULE="piaops.settings",
            PIAOPS_LOG_LEVEL="WARNING",
        )
        migrated = _piaops(env, "migrate", "--no-input")
        assert migrated.returncode == 0, migrated.stderr
        setup = "import django; django.setup(); from piaops.tenancy.models import Municipality as M; "
        setup += "M.objects.create(name='札幌市', code='011002')"
        subprocess.run([sys.executable, "-c", setup], env=env, check=True, timeout=120)
        writers = [
            subprocess.Popen([sys.executable, "-c", APPEND, str(APPENDS), str(n)], env=env, stderr=subprocess.PIPE)
            for n in range(WRITERS)
        ]
        for w in writers:
            _, err = w.communicate(timeout=300)
            assert w.returncode == 0, err.decode()
        yield Scratch(url, env)


def test_concurrent_writers_build_one_unbroken_chain(scratch: Scratch) -> None:
    result = _piaops(scratch.env, "audit-log", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"OK 札幌市（011002）: {WRITERS * APPENDS}件 末尾ハッシュ " in result.stdout
    seqs = [s for (s,) in scratch.sql("SELECT seq FROM audittrail_auditentry ORDER BY seq")]
    assert seqs == list(range(1, WRITERS * APPENDS + 1))
    writers = scratch.sql("SELECT DISTINCT object_repr FROM audittrail_auditentry")
    assert len(writers) == WRITERS  # they really did interleave into one chain


def test_tampering_is_refused_then_reported_by_the_command(scratch: Scratch) -> None:
    with pytest.raises((sqlite3.IntegrityError, psycopg.Error), match="監査証跡は追記のみです"):
        scratch.sql("UPDATE audittrail_auditentry SET summary = 'x' WHERE seq = 7")
    if scratch.url.startswith("sqlite"):
        scratch.sql("DROP TRIGGER audittrail_no_update")
    else:
        scratch.sql("ALTER TABLE audittrail_auditentry DISABLE TRIGGER USER")
    scratch.sql("UPDATE audittrail_auditentry SET object_repr = 'writer 9' WHERE seq = 7")
    result = _piaops(scratch.env, "audit-log", "verify")
    assert result.returncode == 1
    assert "NG 札幌市（011002）: 連番 7 — 記録の内容がハッシュと一致しません" in result.stdout
    assert "それ以前の 6件は正常です。" in result.stdout
    assert "改ざんまたは欠落を検出しました" in result.stderr
