"""Reading an uploaded workbook as rows, and refusing bytes that are not one."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from piaops.lib.xlsxfiles import UnreadableWorkbook, cell_text, xlsx_sheets

pytestmark = pytest.mark.engine_independent


def _book() -> bytes:
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "一覧"
    first.append(["氏名", "日付", "回数"])
    first.append(["山田", dt.date(2026, 4, 1), 3.0])
    second = wb.create_sheet("予備")
    second.append(["x"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_every_sheet_in_order_with_its_rows() -> None:
    sheets = xlsx_sheets(_book())
    assert [title for title, _ in sheets] == ["一覧", "予備"]
    assert sheets[0][1][0] == ("氏名", "日付", "回数")
    assert [cell_text(v) for v in sheets[0][1][1]] == ["山田", "2026-04-01", "3"]


def test_first_only_reads_the_first_sheet() -> None:
    assert [title for title, _ in xlsx_sheets(_book(), first_only=True)] == ["一覧"]


@pytest.mark.parametrize("data", [b"", b"name,date\n", b"PK\x03\x04 broken zip"])
def test_bytes_that_are_not_a_workbook_are_refused_as_not_opened(data: bytes) -> None:
    with pytest.raises(UnreadableWorkbook) as caught:
        xlsx_sheets(data)
    assert caught.value.opened is False


def test_cell_text_keeps_what_it_does_not_convert() -> None:
    assert cell_text(None) == ""
    assert cell_text(dt.datetime(2026, 4, 1, 9, 30)) == "2026-04-01"
    assert cell_text(2.5) == "2.5"
    assert cell_text(" a ") == " a "
