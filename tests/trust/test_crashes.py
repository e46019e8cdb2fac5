"""SIGKILL in the middle of an import leaves all the rows or none, and the audit chain still verifies.

Each importer's real CLI runs in a subprocess on a database of its own: a copy of a demo SQLite file, or (when the
suite runs on PostgreSQL) a clone of a demo PostgreSQL database. One full run measures how long the import takes and
how many rows it adds; a second run on a fresh copy is killed with SIGKILL half-way through, and the database must then
hold the rows of the full run or none of them, and ``piaops audit-log verify`` must pass.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.live import PIAOPS
from tests.trust.scratch import _server, env_for, on_postgres, scratch_postgres

TODAY = "2026-10-15"
PEOPLE = 10


def run(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PIAOPS, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def python(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@dataclass
class Databases:
    """Fresh copies of one demo database: ``fresh(tag)`` returns the environment of a new copy."""

    fresh: Callable[[str], dict[str, str]]
    template: dict[str, str]


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    base = tmp_path_factory.mktemp("crash")
    url = scratch_postgres("trust_crash_template") if on_postgres() else None
    template = env_for(base / "template", url)
    (base / "template").mkdir()
    for args in (("migrate", "--no-input", "-v0"), ("demo", "--people", str(PEOPLE), "--today", TODAY)):
        done = run(template, *args)
        assert done.returncode == 0, done.stderr

    def fresh(tag: str) -> dict[str, str]:
        var_dir = base / tag
        if url is None:
            shutil.copytree(base / "template", var_dir)
            return env_for(var_dir)
        var_dir.mkdir()
        server = _server()
        name = f"{server['dbname']}_trust_crash_{tag}"
        with psycopg.connect(
            host=server["host"], port=server["port"], user=server["user"], password=server["password"],
            dbname="postgres", autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(url.rsplit("/", 1)[1])
                )
            )
        return env_for(var_dir, url.rsplit("/", 1)[0] + "/" + name)

    yield Databases(fresh=fresh, template=template)


@dataclass
class Importer:
    name: str
    count: str  # Python expression printing the number of rows the import adds
    make: Callable[[dict[str, str], Path], list[str]]  # writes the file, returns the CLI arguments


def door_log(env: dict[str, str], tmp: Path) -> list[str]:
    area = python(env, "from piaops.areas.models import Area; print(Area.objects.order_by('pk')[0].pk)")
    cards = python(env, "from piaops.areas.models import Card; print(*Card.objects.values_list('card_id', flat=True))")
    path = tmp / "door.csv"
    rows = ["日時,カード番号,入退"]
    for day in range(1, 9):
        for minute in range(0, 600, 2):
            for card in cards.split()[:6]:
                h, m = divmod(minute, 60)
                rows.append(f"2026-09-{day:02d} {8 + h:02d}:{m:02d}:00,{card},{'入室' if minute % 4 == 0 else '退室'}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return ["accesslog", "import", str(path), "--area", area]


def training(env: dict[str, str], tmp: Path) -> list[str]:
    staff = python(
        env,
        "from piaops.tenancy.models import Person; print(*Person.objects.filter(municipality__code='011002', "
        "employed_from__lte='2025-04-01', employed_to__isnull=True).values_list('staff_number', flat=True))",
    )
    courses = python(
        env,
        "from piaops.training.models import Course; "
        "print(*Course.objects.filter(municipality__code='011002').values_list('code', flat=True))",
    )
    taken = set(
        python(
            env,
            "from piaops.training.models import Record\nfor r in Record.objects.values_list("
            "'person__staff_number', 'course__code', 'completed_on'): print(*r, sep=',')",
        ).splitlines()
    )
    rows = ["職員番号,研修コード,受講日,得点,証跡"]
    for number in staff.split():
        for code in courses.split():
            for day in range(90):
                date = f"2025-{4 + day // 28:02d}-{1 + day % 28:02d}"
                if f"{number},{code},{date}" not in taken:
                    rows.append(f"{number},{code},{date},,")
    path = tmp / "training.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return ["training", "import", str(path), "--municipality", "011002"]


def people(env: dict[str, str], tmp: Path) -> list[str]:
    rows = ["職員番号,氏名,雇用形態,所属組織コード,配属開始日,特定個人情報取扱"]
    rows += [f"{900000 + i},試験 {i}号,正規職員,310100,2026/4/1,有" for i in range(4000)]
    path = tmp / "people.csv"
    path.write_text("\n".join(rows) + "\n", encoding="cp932")
    return ["import", "people", str(path), "--municipality", "011002"]


IMPORTERS = [
    Importer("door_log", "from piaops.areas.models import DoorEvent as M", door_log),
    Importer("training", "from piaops.training.models import Record as M", training),
    Importer("people", "from piaops.tenancy.models import Person as M", people),
]


def rows(env: dict[str, str], importer: Importer) -> int:
    return int(python(env, importer.count + "; print(M.objects.count())"))


@pytest.mark.parametrize("importer", IMPORTERS, ids=lambda i: i.name)
def test_a_killed_import_leaves_all_rows_or_none_and_the_audit_chain_verifies(
    databases: Databases, importer: Importer, tmp_path: Path
) -> None:
    full = databases.fresh(f"{importer.name}_full")
    args = importer.make(full, tmp_path)
    before = rows(full, importer)
    started = time.monotonic()
    done = run(full, *args)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    added = rows(full, importer) - before
    assert added > 0

    killed = databases.fresh(f"{importer.name}_killed")
    process = subprocess.Popen(
        [*PIAOPS, *args], env=killed, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    # Late in the run, where the rows are being written (validation comes first). On a loaded machine the run may
    # end before the kill: then the check below still requires all the rows.
    time.sleep(took * 0.7)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) in (-signal.SIGKILL, 0)

    left = rows(killed, importer) - before
    assert left in (0, added), f"{left} of {added} rows after SIGKILL"
    verified = run(killed, "audit-log", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
