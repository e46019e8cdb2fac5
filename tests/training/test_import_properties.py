"""Fuzzing the training-record importer: whatever the file, it raises only ``ImportFileError`` or answers with a
result; a result with errors saved nothing, one without saved every row it counted. A 個人番号 in a cell is refused
and never echoed.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from piaops.audittrail.models import AuditEntry
from piaops.lib.mynumber import contains_my_number
from piaops.tenancy.models import Person
from piaops.training.importing import ImportFileError, import_records
from piaops.training.models import Record
from tests import factories as f
from tests.conftest import World
from tests.fuzzing import mutated_bytes
from tests.training import makers as t

D = dt.date
TODAY = D(2026, 11, 25)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HEADER = ["職員番号", "研修コード", "受講日", "得点", "証跡"]
ROWS = [["1001", "SEC1", "2026/05/10", "85", "eL-001"], ["1002", "PRV1", "2026-06-01", "", ""]]
EXAMPLE = "\r\n".join(",".join(r) for r in [HEADER, *ROWS]).encode()

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
cells: st.SearchStrategy[Any] = st.one_of(
    text,
    st.sampled_from(["1001", "1002", "SEC1", "PRV1", "2026-05-10", "令和8年5月10日", "85", "合格", "-1", "1e9"]),
    st.sampled_from(["123456789018", "5488 3652 9885"]).map(lambda n: f"番号{n}"),  # published test vectors
    st.integers(1_000, 30_000).map(lambda n: "長" * n),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=D(1900, 1, 1)),
    st.booleans(),
    st.none(),
)


@pytest.fixture
def staff(world: World) -> list[Person]:
    t.course(world.a, code="SEC1", title="情報セキュリティ研修", has_test=True, pass_mark=70)
    t.course(world.a, code="PRV1")
    return [
        f.person(world.a, staff_number="1001", employed_from=D(2020, 4, 1)),
        f.person(world.a, staff_number="1002", employed_from=D(2026, 4, 1), employed_to=D(2027, 3, 31)),
    ]


def _import_and_check(world: World, data: bytes, filename: str) -> None:
    records, entries = Record.objects.count(), AuditEntry.objects.count()
    try:
        result = import_records(municipality=world.a, data=data, filename=filename, today=TODAY)
    except ImportFileError as exc:
        assert str(exc).strip() and not contains_my_number(str(exc))
        assert (Record.objects.count(), AuditEntry.objects.count()) == (records, entries)
        return
    for error in result.errors:
        assert error.strip() and not contains_my_number(error)
    if result.errors:
        assert result.created == 0 and (Record.objects.count(), AuditEntry.objects.count()) == (records, entries)
    else:
        assert Record.objects.count() == records + result.created
    assert not any(contains_my_number(e) for e in Record.objects.values_list("evidence", flat=True))


@FUZZ
@given(content=mutated_bytes(EXAMPLE, text=text), encoding_name=st.sampled_from(["records.csv", "records.txt"]))
def test_a_mutated_csv_is_imported_whole_or_not_at_all(
    world: World, staff: list[Person], content: bytes, encoding_name: str
) -> None:
    _import_and_check(world, content, encoding_name)


@FUZZ
@given(
    header=st.sampled_from([HEADER, HEADER[:3], HEADER[::-1], ["x"], []]),
    rows=st.lists(st.lists(cells, max_size=6), max_size=6),
    keep_example=st.booleans(),
)
def test_a_random_workbook_is_imported_whole_or_not_at_all(
    world: World, staff: list[Person], header: list[str], rows: list[list[Any]], keep_example: bool
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [header, *(ROWS if keep_example else []), *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    _import_and_check(world, out.getvalue(), "records.xlsx")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=2000) | st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b))
def test_random_bytes_raise_only_the_importers_error(world: World, staff: list[Person], content: bytes) -> None:
    _import_and_check(world, content, "records.xlsx")
