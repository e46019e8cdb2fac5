"""``insert_rows`` writes what the ORM would have written (COPY on PostgreSQL, executemany on SQLite), all or none."""

from __future__ import annotations

import datetime as dt
import gc
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, transaction

from piaops.lib.bulkinsert import collector_paused, insert_columns, insert_rows
from piaops.tenancy.models import EmploymentType, ImportedFile, Person
from tests.conftest import World

TOKYO = ZoneInfo("Asia/Tokyo")


def test_rows_read_back_through_the_orm_as_they_were_given(world: World) -> None:
    at = dt.datetime(2026, 11, 2, 0, 30, tzinfo=TOKYO)  # the previous day in UTC
    counted: list[int] = []
    insert_rows(
        "tenancy_person",
        ["municipality_id", "staff_number", "name", "name_kana", "employment_type", "email", "employed_from"],
        [
            (world.a.pk, "B1", "髙橋 𠮷子", "", "regular", "", dt.date(2026, 4, 1)),
            (world.a.pk, "B2", "試験 二郎", "シケン", "fiscal_year", "a@example.jp", None),
        ],
        progress=counted.append,
    )
    insert_rows(
        "tenancy_importedfile",
        ["municipality_id", "kind", "sha256", "file_name", "rows", "imported_at"],
        [(world.a.pk, "people", "0" * 64, "a.csv", 2, at)],
    )
    people = list(Person.objects.filter(staff_number__in=["B1", "B2"]).order_by("staff_number"))
    assert [(p.name, p.employed_from, p.email) for p in people] == [
        ("髙橋 𠮷子", dt.date(2026, 4, 1), ""),
        ("試験 二郎", None, "a@example.jp"),
    ]
    assert ImportedFile.objects.get().imported_at == at
    assert sum(counted) == 2


def test_a_failing_row_leaves_none_of_them(world: World) -> None:
    rows = [(world.a.pk, f"C{i}", "試験", "", "regular", "") for i in range(3)] + [
        (world.a.pk, "C0", "重複", "", "", "")
    ]
    columns = ["municipality_id", "staff_number", "name", "name_kana", "employment_type", "email"]
    with pytest.raises(DatabaseError), transaction.atomic():
        insert_rows("tenancy_person", columns, rows)  # the last row repeats a staff number
    assert not Person.objects.filter(staff_number__startswith="C").exists()


def test_the_collector_is_paused_inside_and_restored_after_even_when_nested() -> None:
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_columns_read_back_through_the_orm_as_they_were_given(world: World) -> None:
    """``insert_columns`` (COPY text made column by column on PostgreSQL): the characters COPY escapes, NULL, dates,
    a text-choices member and ids come back as given."""
    counted: list[int] = []
    names = ["髙橋\t𠮷子", "back\\slash \\N", "two\nlines\r", "試験 三郎"]
    count = insert_columns(
        "tenancy_person",
        ["municipality_id", "staff_number", "name", "name_kana", "employment_type", "email", "employed_from"],
        [
            [world.a.pk] * 4,
            ["D1", "D2", "D3", "D4"],
            names,
            ["", "", "", "シケン"],
            [EmploymentType.REGULAR, "fiscal_year", EmploymentType.REGULAR, "regular"],
            ["", "a@example.jp", "", ""],
            [dt.date(2026, 4, 1), None, dt.date(2026, 4, 1), None],
        ],
        progress=counted.append,
    )
    people = list(Person.objects.filter(staff_number__startswith="D").order_by("staff_number"))
    assert count == 4 and sum(counted) == 4
    assert [(p.name, p.employment_type, p.employed_from) for p in people] == [
        ("髙橋\t𠮷子", "regular", dt.date(2026, 4, 1)),
        ("back\\slash \\N", "fiscal_year", None),
        ("two\nlines\r", "regular", dt.date(2026, 4, 1)),
        ("試験 三郎", "regular", None),
    ]


def test_columns_of_different_lengths_are_refused(world: World) -> None:
    with pytest.raises(ValueError):
        insert_columns("tenancy_person", ["municipality_id", "staff_number"], [[world.a.pk], ["E1", "E2"]])
    assert not Person.objects.filter(staff_number__startswith="E").exists()
