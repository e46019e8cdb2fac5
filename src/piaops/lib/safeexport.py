"""Exports that a spreadsheet opens (CSV and XLSX): text is always text, never a formula.

A value typed by anyone — a unit's checklist comment, a responsibility's note, a course name — may begin with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return (or their full-width forms, which Japanese Excel also reads as the
start of a formula). Written as it is, ``=cmd|' /C calc'!A0`` becomes a live formula in the admin's workbook
(CSV/formula injection, OWASP). Every export goes through this module:

- CSV: :func:`csv_writer` writes such text with a leading apostrophe, which spreadsheets show as text (OWASP's
  recommendation); numbers, dates and empty cells are untouched;
- XLSX: :func:`workbook_bytes` saves a workbook after turning every formula cell into a text cell and marking each
  text cell that begins like a formula with Excel's own "quote prefix" (the cell stays text even when edited).

No export writes a formula on purpose. ``tests/test_architecture.py`` checks that no module outside ``lib`` calls
``csv.writer`` or saves an openpyxl workbook itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def formula_like(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet could read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_value(value: Any) -> Any:
    """``value`` for a CSV cell: text that begins like a formula gets a leading apostrophe."""
    return "'" + value if formula_like(value) else value


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through :func:`csv_value`. ``writerow`` returns what the file's
    ``write`` returned (the formatted line, for a streaming response's echo buffer)."""

    def __init__(self, stream: Any, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_value(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: Any, **options: Any) -> SafeCsvWriter:
    return SafeCsvWriter(stream, **options)


def neutralise(workbook: Any) -> None:
    """Every sheet of an openpyxl ``workbook``: formula cells become text, formula-like text gets the quote prefix."""
    for sheet in workbook.worksheets:
        # The sheet's own cell map: iter_rows would create every empty cell of the used range.
        for cell in list(sheet._cells.values()):
            if cell.data_type == "f":
                cell.data_type = "s"
            if formula_like(cell.value):
                cell.quotePrefix = True


def workbook_bytes(workbook: Any) -> bytes:
    """The ``.xlsx`` bytes of an openpyxl ``workbook``, after :func:`neutralise`."""
    neutralise(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
