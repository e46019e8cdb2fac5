"""Fuzzing the checklist-XLSX importer: whatever is done to a downloaded workbook, the import either saves exactly
what the file says or raises ``ChecklistInvalid`` (with messages) or ``WorkbookConflict`` (a checklist version in the
file older than the stored one) and saves nothing. Never another exception, never part of a file, never a 個人番号,
never a save over a version other than the file's.

The workbooks start from a real download and are mutated the way people damage them: random values in random cells
(text, huge text, numbers, dates, booleans, a 個人番号), rows deleted or inserted, sheets removed or renamed, and bytes
of the file itself changed.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from piaops.audittrail.models import AuditEntry
from piaops.lib.mynumber import contains_my_number
from piaops.selfcheck.errors import ChecklistInvalid
from piaops.selfcheck.models import Checklist
from piaops.selfcheck.xlsx import FIRST_ROW, META, SHEET, WorkbookConflict, checklist_workbook, import_workbooks
from tests.conftest import World
from tests.selfcheck.helpers import make_campaign

MY_NUMBERS = ["123456789018", "548836529885", "9832-0567-3214"]  # published test vectors (pia-domain.md §5)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text openpyxl can store (it refuses control characters; a file with them cannot be made, so cannot be uploaded).
text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
values: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    text,
    st.sampled_from(["はい", "いいえ", "該当なし", "未回答", "yes", "2027-03-31", "2027/3/31", "令和9年3月31日"]),
    st.sampled_from(MY_NUMBERS).map(lambda n: f"担当者の番号 {n}"),
    st.integers(1_000, 40_000).map(lambda n: "長" * n),  # a huge string
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9999, 12, 31)),
)

Mutation = Callable[[Workbook], None]


@st.composite
def mutation(draw: st.DrawFn) -> Mutation:
    kind = draw(st.sampled_from(["answer", "cell", "cell", "meta", "delete_rows", "insert_rows", "sheet"]))
    row = draw(st.integers(1, FIRST_ROW + 8))
    if kind == "answer":  # a plausible answer row: most examples should get past the first check
        col, value = draw(st.sampled_from("DEFG")), draw(values)
        return lambda wb: wb[SHEET].__setitem__(f"{col}{FIRST_ROW + row % 4}", value) if SHEET in wb else None
    if kind in ("cell", "meta"):
        sheet = SHEET if kind == "cell" else META
        # The format's own cells: its values (B1-B8, the checklist version in B8) and the item table (A/B from row
        # 10) most of the time.
        meta_row = draw(st.integers(1, 8) | st.integers(10, 14))
        col, value = draw(st.integers(1, 2) | st.integers(1, 8)), draw(values)

        def set_cell(wb: Workbook) -> None:
            if sheet in wb.sheetnames:
                wb[sheet].cell(row=row if kind == "cell" else meta_row, column=col, value=value)

        return set_cell
    if kind in ("delete_rows", "insert_rows"):
        sheet, amount = draw(st.sampled_from([SHEET, META])), draw(st.integers(1, 3))

        def rows(wb: Workbook) -> None:
            if sheet in wb.sheetnames:
                getattr(wb[sheet], kind)(row if sheet == SHEET else row + 2, amount)

        return rows
    name, action = draw(st.sampled_from([SHEET, META])), draw(st.sampled_from(["remove", "rename"]))

    def sheets(wb: Workbook) -> None:
        if name in wb.sheetnames and len(wb.sheetnames) > 1:
            if action == "remove":
                wb.remove(wb[name])
                if all(ws.sheet_state != "visible" for ws in wb.worksheets):  # a file must show one sheet
                    wb.worksheets[0].sheet_state = "visible"
            else:
                wb[name].title = name + "の写し"

    return sheets


@pytest.fixture
def checklist(world: World) -> Checklist:
    campaign = make_campaign(world.a, [world.tax_a], general=True)
    return Checklist.objects.get(campaign=campaign, unit=world.tax_a)


def _state(checklist: Checklist) -> tuple[list[tuple[Any, ...]], int, int]:
    answers = list(
        checklist.answers.order_by("item_id").values_list(
            "item_id", "value", "comment", "improvement_plan", "target_date"
        )
    )
    version = Checklist.objects.values_list("version", flat=True).get(pk=checklist.pk)
    return answers, version, AuditEntry.objects.count()


def _download(checklist: Checklist) -> bytes:
    """The workbook as downloaded now: the examples share one checklist, whose version each saved import moves."""
    checklist.refresh_from_db()
    return checklist_workbook(checklist)


def _import_and_check(checklist: Checklist, world: World, data: bytes) -> None:
    before = _state(checklist)
    try:
        parsed = import_workbooks([("点検票.xlsx", data)], municipality=world.a, expected=checklist)
    except ChecklistInvalid as exc:
        assert exc.problems and all(str(p).strip() for p in exc.problems)
        for p in exc.problems:  # the message names the cell, never echoes the number
            assert not contains_my_number(str(p))
        assert _state(checklist) == before  # nothing saved, not even an audit entry
        return
    except WorkbookConflict as exc:  # a smaller (older) checklist version written into the file
        assert exc.expected is not None and exc.expected < before[1] and exc.current == before[1]
        assert not contains_my_number(str(exc))
        assert _state(checklist) == before
        return
    answers, _, _ = _state(checklist)
    assert parsed[0].version == before[1]  # saved only over the very version the file was downloaded at
    given = parsed[0].answers
    assert len(answers) == len(before[0])
    for item_id, value, comment, plan, target in answers:
        if item_id in given:  # exactly what the file says, for every row of it
            a = given[item_id]
            assert (value, comment, plan, target) == (a.value, a.comment, a.improvement_plan, a.target_date)
        assert not contains_my_number(comment) and not contains_my_number(plan)


@FUZZ
@given(mutations=st.lists(mutation(), min_size=1, max_size=5))
def test_a_mutated_workbook_is_saved_whole_or_refused_with_nothing_saved(
    checklist: Checklist, world: World, mutations: list[Mutation]
) -> None:
    wb = load_workbook(io.BytesIO(_download(checklist)))
    for mutate in mutations:
        mutate(wb)
    out = io.BytesIO()
    wb.save(out)
    _import_and_check(checklist, world, out.getvalue())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 255)), min_size=1, max_size=6),
    cut=st.none() | st.integers(0, 10**9),
)
def test_a_workbook_with_damaged_bytes_is_saved_whole_or_refused(
    checklist: Checklist, world: World, changes: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(_download(checklist))
    for position, byte in changes:
        data[position % len(data)] = byte
    if cut is not None:
        del data[cut % len(data) :]
    _import_and_check(checklist, world, bytes(data))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=3000) | st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b))
def test_random_bytes_are_refused_with_the_importers_own_error(
    checklist: Checklist, world: World, content: bytes
) -> None:
    _import_and_check(checklist, world, content)


@pytest.mark.parametrize("row_number", [0, -3, 2_000_000, FIRST_ROW - 1])
def test_a_damaged_row_number_in_the_hidden_sheet_is_refused_not_a_crash(
    checklist: Checklist, world: World, row_number: int
) -> None:
    """Found by the fuzzer: a row number of 0 in the hidden sheet made openpyxl raise ValueError (a 500)."""
    wb = load_workbook(io.BytesIO(_download(checklist)))
    wb[META]["A10"] = row_number
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ChecklistInvalid, match="様式の情報が壊れています"):
        import_workbooks([("点検票.xlsx", out.getvalue())], municipality=world.a, expected=checklist)
