"""SIGKILL in the middle of an import leaves all the rows or none, and the audit chain still verifies.

Each importer's real CLI runs in a subprocess on a database of its own: a copy of a demo SQLite file, or (when the
suite runs on PostgreSQL) a clone of a demo PostgreSQL database. One full run measures how long the import takes and
how many rows it adds; a second run on a fresh copy is killed with SIGKILL at a random point of the run (on PostgreSQL
a random moment after it was seen writing), and the database must then hold the rows of the full run or none of them,
and ``piaops audit-log verify`` must pass. For the importers that refuse a file imported before (issue 16 §4), the
operator's retry then leaves exactly the full run's rows, and one more run is refused as 「取り込み済み」.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.live import PIAOPS
from tests.trust.conftest import TODAY, Databases
from tests.trust.scratch import python, run


@dataclass
class Importer:
    name: str
    count: str  # imports ``M``, the model whose rows the import adds (or changes)
    make: Callable[[dict[str, str], Path], list[str]]  # writes the file, returns the CLI arguments
    where: str = ""  # filter() arguments selecting the rows the import leaves, when it changes rows
    once: bool = False  # refuses the same file a second time (ImportedFile)


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


def ismap(env: dict[str, str], tmp: Path) -> list[str]:
    rows = ["ISMAPクラウドサービスリスト", "登録番号,サービス名称,クラウドサービス事業者名,登録日,有効期限"]
    rows += [f"C90-{i:04d}-1,試験サービス{i},試験事業者{i % 50}株式会社,2024/4/1,2027/3/31" for i in range(6000)]
    path = tmp / "ismap.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    return ["ismap", "import", str(path), "--municipality", "011002", "--date", TODAY]


def assessment(env: dict[str, str], tmp: Path) -> list[str]:
    # A third version of the demo's report: its text with one more sentence (the same text would be refused).
    path = tmp / "assessment.md"
    python(
        env,
        "from pathlib import Path; from piaops.assessments.demo import revised_text\n"
        "t = revised_text().replace('現地監査を、3年度に1回以上', '現地監査を、2年度に1回以上', 1)\n"
        f"Path({str(path)!r}).write_text(t, encoding='utf-8')",
    )
    return ["assessment", "import", str(path), "--municipality", "011002", "--work", "地方税賦課徴収事務"]


MARKER = "SIGKILL試験の回答"


def checklist_xlsx(env: dict[str, str], tmp: Path) -> list[str]:
    """Every open checklist's workbook, downloaded as a unit would and filled in: はい and a comment on every row."""
    names = python(
        env,
        "import io; from pathlib import Path; from openpyxl import load_workbook\n"
        "from piaops.selfcheck import xlsx; from piaops.selfcheck.models import Checklist, EDITABLE\n"
        "for c in Checklist.objects.filter(status__in=EDITABLE, campaign__status='launched').order_by('pk'):\n"
        "    wb = load_workbook(io.BytesIO(xlsx.checklist_workbook(c)))\n"
        "    ws = wb[xlsx.SHEET]\n"
        "    for r in range(xlsx.FIRST_ROW, ws.max_row + 1):\n"
        "        if ws.cell(row=r, column=3).value:\n"
        f"            ws.cell(row=r, column=4, value='はい'); ws.cell(row=r, column=5, value={MARKER!r})\n"
        f"    path = Path({str(tmp)!r}) / f'checklist-{{c.pk}}.xlsx'; wb.save(path); print(path)",
    )
    return ["selfcheck", "import-xlsx", *names.split()]


IMPORTERS = [
    Importer("door_log", "from piaops.areas.models import DoorEvent as M", door_log, once=True),
    Importer("training", "from piaops.training.models import Record as M", training, once=True),
    Importer("people", "from piaops.tenancy.models import Person as M", people, once=True),
    Importer("ismap", "from piaops.assurance.models import IsmapListEntry as M", ismap, once=True),
    Importer("assessment", "from piaops.assessments.models import Commitment as M", assessment),
    Importer(
        "checklist_xlsx", "from piaops.selfcheck.models import Answer as M", checklist_xlsx, f"comment={MARKER!r}"
    ),
]


def rows(env: dict[str, str], importer: Importer) -> int:
    return int(python(env, importer.count + f"; print(M.objects.filter({importer.where}).count())"))


def writing(url: str, process: subprocess.Popen[bytes]) -> bool:
    """Wait until ``process``'s connection to the database at ``url`` is in a transaction that has written a row;
    False if the process ends first."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        while process.poll() is None:
            found = conn.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                "AND backend_xid IS NOT NULL",
                (name,),
            ).fetchone()
            if found:
                return True
            time.sleep(0.002)
    return False


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
    point = random.random()
    if "DATABASE_URL" in killed:
        # PostgreSQL shows when the importer is inside a transaction that has written something (its backend has a
        # transaction id): the kill lands there, at a random moment of the writing, however fast the machine is.
        assert writing(killed["DATABASE_URL"], process), "the import ended before it was seen writing"
        time.sleep(point * took * 0.3)
    else:
        # Anywhere in the run: validation first, then the writing. On a loaded machine the run may end before the
        # kill: then the check below still requires all the rows.
        time.sleep(took * (0.2 + 0.8 * point))
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) in (-signal.SIGKILL, 0)

    left = rows(killed, importer) - before
    assert left in (0, added), f"{left} of {added} rows after SIGKILL at {point:.2f} of the run"
    verified = run(killed, "audit-log", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    if not importer.once:
        return
    # The operator runs the import again: it completes what the kill stopped, or says it is done; never doubles.
    retried = run(killed, *args)
    assert retried.returncode == (0 if left == 0 else 1), retried.stderr[-2000:]
    again = run(killed, *args)
    assert again.returncode == 1 and "取り込み済みです" in again.stderr, again.stdout + again.stderr
    assert rows(killed, importer) - before == added
