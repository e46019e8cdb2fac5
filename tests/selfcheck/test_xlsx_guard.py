"""Checklist XLSX import: a 個人番号 in any cell, sheet or comment of the workbook is refused."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook
from openpyxl.comments import Comment

from piaops.selfcheck.models import Checklist, ChecklistStatus
from piaops.selfcheck.xlsx import FIRST_ROW, META, SHEET
from tests.conftest import World
from tests.samples import VECTORS, not_echoed
from tests.selfcheck.test_xlsx import _download, _upload, checklists  # noqa: F401 (fixture)


def _with(data: bytes, number: str, where: str) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    if where == "sheet":
        wb.create_sheet("メモ")["B2"] = number
    elif where == "comment":
        wb[SHEET][f"C{FIRST_ROW}"].comment = Comment(f"番号 {number}", "所属長")
    else:
        wb[SHEET][f"H{FIRST_ROW}"] = number  # a column the importer does not read
    wb[SHEET][f"D{FIRST_ROW}"] = "はい"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("number", VECTORS)
@pytest.mark.parametrize(
    ("where", "named"), [("sheet", "シート「メモ」のセル B2"), ("comment", "コメント"), ("cell", "")]
)
def test_a_vector_anywhere_in_the_workbook_is_refused(
    world: World,
    checklists: tuple[Checklist, Checklist],  # noqa: F811
    as_head: Client,
    number: str,
    where: str,
    named: str,
) -> None:
    checklist = checklists[0]
    body = _upload(as_head, checklist, _with(_download(as_head, checklist), number, where))
    assert "個人番号と思われる" in body and named in body and not_echoed(body)
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.NOT_STARTED


@pytest.mark.parametrize("where", ["sheet", "comment"])
def test_a_number_is_reported_even_when_the_file_has_other_errors(
    checklists: tuple[Checklist, Checklist],  # noqa: F811
    as_head: Client,
    where: str,
) -> None:
    # An old template version stops the checks before any answer cell is read; the 個人番号 scan runs all the same
    # and both problems are listed.
    checklist = checklists[0]
    wb = load_workbook(io.BytesIO(_with(_download(as_head, checklist), VECTORS[0], where)))
    wb[META]["B5"] = 0
    out = io.BytesIO()
    wb.save(out)
    body = _upload(as_head, checklist, out.getvalue())
    assert "自己点検票の版が違います" in body
    assert "個人番号と思われる" in body and not_echoed(body)
    checklist.refresh_from_db()
    assert checklist.status == ChecklistStatus.NOT_STARTED
