"""The same file imported twice changes nothing (issue 16 §4): every importer answers 「…に取り込み済みです」.

One table of the four importers (people, door logs, training records, the ISMAP list): the second import of the same
bytes is refused with the first one's date, in a preview too, and adds no row nor audit entry; another municipality
may import the same file. Door events also carry a natural key, so an export overlapping an earlier one adds only
what is new.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from piaops.areas.importing import DoorLogError, door_log_import
from piaops.areas.models import Area, DoorEvent, DoorLogImport, DoorLogMapping
from piaops.assurance import services as assurance
from piaops.assurance.ismap_list import IsmapListError
from piaops.assurance.models import IsmapListEntry
from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.models import ImportedFile, Municipality, Person
from piaops.tenancy.people_import.services import people_import_commit, people_import_plan
from piaops.tenancy.people_import.tables import ImportFileError as PeopleFileError
from piaops.training.importing import ImportFileError as TrainingFileError
from piaops.training.importing import import_records
from piaops.training.models import Record
from tests import factories as f
from tests.assurance.helpers import csv_bytes as ismap_csv
from tests.conftest import World
from tests.live import PIAOPS
from tests.training import makers as t
from tests.trust.conftest import Databases
from tests.trust.scratch import python
from tests.trust.test_crashes import door_log

TODAY = dt.date(2026, 11, 25)


def _today_text() -> str:
    day = timezone.localdate()
    return f"{day.year}年{day.month}月{day.day}日"


def _door_area(m: Municipality) -> Area:
    return Area.objects.get_or_create(municipality=m, code="SR-1", defaults={"name": "サーバー室"})[0]


def door_file(*rows: str) -> bytes:
    return "\n".join(["日時,カード番号,入退", *rows]).encode("utf-8")


DOOR = door_file("2026-11-02 08:15:00,A1,入室", "2026-11-02 09:05:00,A1,退室")


def _door(m: Municipality, data: bytes, dry_run: bool = False) -> object:
    mapping = DoorLogMapping(municipality=m, name="標準")
    return door_log_import(
        area=_door_area(m), data=data, file_name="log.csv", mapping=mapping, user=None, dry_run=dry_run
    )


PEOPLE = "職員番号,氏名,雇用形態\n8001,試験 一郎,正規職員\n8002,試験 二郎,会計年度任用職員\n".encode()


def _people(m: Municipality, data: bytes, dry_run: bool = False) -> object:
    files = [("people.csv", data)]
    if dry_run:
        plan = people_import_plan(municipality=m, files=files)
        if plan.issues:
            raise PeopleFileError(plan.issues)
        return plan
    return people_import_commit(municipality=m, files=files)


TRAINING = "職員番号,研修コード,受講日\n7001,SEC1,2026-05-10\n7001,SEC1,2026-06-10\n".encode()


def _training(m: Municipality, data: bytes, dry_run: bool = False) -> object:
    if not Person.objects.filter(municipality=m, staff_number="7001").exists():
        f.person(m, staff_number="7001", employed_from=dt.date(2020, 4, 1))
        t.course(m, code="SEC1")
    result = import_records(municipality=m, data=data, filename="el.csv", today=TODAY, dry_run=dry_run)
    assert result.ok, result.errors
    return result


ISMAP = ismap_csv([["C21-0001-1", "サービスA", "A社", "2024/4/1", "2027/3/31"]])


def _ismap(m: Municipality, data: bytes, dry_run: bool = False) -> object:
    return assurance.ismap_import(municipality=m, content=data, file_name="ismap.csv", list_date=TODAY, dry_run=dry_run)


@dataclass
class Importer:
    name: str
    run: Callable[[Municipality, bytes, bool], object]
    data: bytes
    refused: type[Exception]
    count: Callable[[Municipality], int]


IMPORTERS = [
    Importer("people", _people, PEOPLE, PeopleFileError, lambda m: Person.objects.filter(municipality=m).count()),
    Importer("door_log", _door, DOOR, DoorLogError, lambda m: DoorEvent.objects.filter(municipality=m).count()),
    Importer(
        "training", _training, TRAINING, TrainingFileError, lambda m: Record.objects.filter(municipality=m).count()
    ),
    Importer("ismap", _ismap, ISMAP, IsmapListError, lambda m: IsmapListEntry.objects.filter(municipality=m).count()),
]


def _message(exc: Exception) -> str:
    errors: Any = getattr(exc, "errors", None) or getattr(exc, "issues", None)
    return "\n".join(str(e) for e in errors) if errors else str(exc)


@pytest.mark.parametrize("importer", IMPORTERS, ids=lambda i: i.name)
def test_the_same_file_twice_is_refused_with_the_first_date_and_changes_nothing(
    world: World, importer: Importer
) -> None:
    importer.run(world.a, importer.data, False)
    rows, entries = importer.count(world.a), AuditEntry.objects.count()
    assert rows > 0
    recorded = ImportedFile.objects.get(municipality=world.a)
    assert recorded.kind == importer.name and recorded.rows > 0

    for dry_run in (True, False):  # the preview already says so
        with pytest.raises(importer.refused) as caught:
            importer.run(world.a, importer.data, dry_run)
        assert f"このファイルは {_today_text()} に取り込み済みです" in _message(caught.value)
    assert importer.count(world.a) == rows and AuditEntry.objects.count() == entries
    assert ImportedFile.objects.filter(municipality=world.a).count() == 1

    importer.run(world.b, importer.data, False)  # the record is the municipality's own
    assert importer.count(world.b) == rows


@pytest.mark.parametrize("importer", IMPORTERS, ids=lambda i: i.name)
def test_a_refused_import_records_no_file_so_the_corrected_one_goes_in(world: World, importer: Importer) -> None:
    broken = importer.data.replace(b"\n", b"\n\x00,", 1) if importer.name != "ismap" else b"\xff\xfe\x00broken"
    with pytest.raises(importer.refused):
        importer.run(world.a, broken, False)
    assert not ImportedFile.objects.exists()
    importer.run(world.a, importer.data, False)
    assert importer.count(world.a) > 0


def test_the_people_import_of_two_files_is_keyed_by_both_in_either_order(world: World) -> None:
    units = "組織コード,組織名\nX100,試験課\n".encode()
    people = "職員番号,氏名,雇用形態,所属組織コード,配属開始日\n8101,試験 三郎,正規職員,X100,2026-04-01\n".encode()
    people_import_commit(municipality=world.a, files=[("units.csv", units), ("people.csv", people)])
    plan = people_import_plan(municipality=world.a, files=[("people.csv", people), ("units.csv", units)])
    assert [i.message for i in plan.issues] == [
        f"これらのファイルは {_today_text()} に取り込み済みです（units.csv、people.csv、2件）。"
        "同じファイルを二度取り込むことはできません。"
    ]
    assert people_import_plan(municipality=world.a, files=[("people.csv", people)]).ok  # one of them alone is new


def test_an_overlapping_door_log_export_adds_only_the_new_events(world: World) -> None:
    _door(world.a, DOOR)
    overlapping = door_file(
        "2026-11-02 09:05:00,A1,退室",  # already stored (line 3 of the first file, line 2 here)
        "2026-11-02 10:00:00,A1,入室",
        "2026-11-02 10:00:00,A1,入室",  # the export repeats a line
        "2026-11-02 10:30:00,A1,退室",
    )
    preview = _door(world.a, overlapping, dry_run=True)
    assert isinstance(preview, DoorLogImport) and (preview.rows, preview.skipped) == (2, 2)
    batch = _door(world.a, overlapping)
    assert isinstance(batch, DoorLogImport) and (batch.rows, batch.skipped) == (2, 2)
    assert DoorEvent.objects.filter(batch=batch).count() == 2
    assert DoorEvent.objects.filter(area=batch.area).count() == 4
    entry = AuditEntry.objects.get(action=Action.IMPORT, object_id=str(batch.pk))
    assert entry.after["rows"] == 2 and entry.after["skipped"] == 2


def test_a_door_log_export_holding_only_stored_events_is_refused(world: World) -> None:
    _door(world.a, DOOR)
    reexported = DOOR.decode().replace("08:15:00", "08:15").encode("cp932")  # other bytes, the same events
    with pytest.raises(DoorLogError, match="2件の記録は、すべて取り込み済みです"):
        _door(world.a, reexported)
    assert DoorEvent.objects.count() == 2 and DoorLogImport.objects.count() == 1
    assert ImportedFile.objects.count() == 1


def test_the_database_refuses_a_second_copy_of_a_door_event(world: World) -> None:
    _door(world.a, DOOR)
    event = DoorEvent.objects.order_by("pk").first()
    assert event is not None
    event.pk = None
    event.line = 99  # where a file put it is not what it is
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()


def test_the_database_refuses_a_second_record_of_the_same_file(world: World) -> None:
    ImportedFile.objects.create(municipality=world.a, kind="door_log", sha256="ab" * 32, file_name="a.csv")
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportedFile.objects.create(municipality=world.a, kind="door_log", sha256="ab" * 32, file_name="b.csv")


def test_two_imports_of_the_same_file_at_once_add_it_once(databases: Databases, tmp_path: Path) -> None:
    """Two operators start the same door-log import at the same moment: both validate, one commits, the other waits
    on the claim's unique index and is refused; the events are there once. (On SQLite the database lock
    serialises the two writers, and the second sees the first one's claim in its own check.)"""
    env = databases.fresh("same_file_race")
    args = door_log(env, tmp_path)
    count = "from piaops.areas.models import DoorEvent as M; print(M.objects.count())"
    batches = (
        "from piaops.areas.models import DoorLogImport as B; "
        "print(*B.objects.order_by('pk').values_list('rows', flat=True))"
    )
    before, batches_before = int(python(env, count)), python(env, batches).split()
    processes = [
        subprocess.Popen([*PIAOPS, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outcomes = sorted((p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in processes)
    assert [code for code, _ in outcomes] == [0, 1], outcomes
    assert "取り込み済みです" in outcomes[1][1]
    added = int(python(env, count)) - before
    [new_batch] = python(env, batches).split()[len(batches_before) :]  # one import, holding every added event
    assert added == int(new_batch) > 14000
