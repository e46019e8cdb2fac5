"""Reading an uploaded Excel workbook (.xlsx) as rows of cell values, for the importers.

openpyxl opens it read-only with the cached values of formulas (``data_only``). A damaged or foreign file makes
openpyxl raise many kinds of exception (zip, XML, key errors); each is turned into :class:`UnreadableWorkbook`, and
the importer words the refusal in its own message.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

Rows = list[tuple[Any, ...]]


class UnreadableWorkbook(ValueError):
    """The bytes are not a readable workbook. ``opened`` is False when openpyxl could not open them at all, True
    when it opened them but could not read a sheet."""

    def __init__(self, *, opened: bool) -> None:
        super().__init__("opened, but a sheet is unreadable" if opened else "not an XLSX workbook")
        self.opened = opened


def xlsx_sheets(data: bytes, *, first_only: bool = False) -> list[tuple[str, Rows]]:
    """(sheet title, rows of cell values, row 1 first) of every sheet in order, or of the first one only.

    Every row is read before returning and the workbook is closed, also on failure. Raises
    :class:`UnreadableWorkbook` (a workbook without a sheet, with ``first_only``, counts as ``opened``).
    """
    from openpyxl import load_workbook  # imported on use: most requests never read a workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableWorkbook(opened=False) from exc
    try:
        sheets = [book.worksheets[0]] if first_only else list(book.worksheets)
        return [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in sheets]
    except Exception as exc:
        raise UnreadableWorkbook(opened=True) from exc
    finally:
        book.close()


def cell_text(value: object) -> str:
    """A cell value as text: empty for an empty cell, ISO date for a date or date-time, a whole float without
    ``.0``; anything else ``str()``, not stripped."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
