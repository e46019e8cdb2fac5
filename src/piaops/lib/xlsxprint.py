"""Print setup of an exported worksheet: what a municipal office needs to print and file it.

``print_setup(sheet, ...)`` is applied to every printed worksheet of every XLSX export: A4; landscape when the
table is wider than a portrait page; scaled to fit the page width (any number of pages down); the table's header
rows repeated on every page, each heading wrapped inside its column; a footer with the municipality's name, the
document's title and 「n / m」. Excel and LibreOffice Calc both honour these settings (tests/lib/test_xlsxprint.py
prints every export with LibreOffice).
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from copy import copy
from typing import Any

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

# Excel's width of a column nobody sized (characters of the default font).
DEFAULT_COLUMN_WIDTH = 8.43
# A4 portrait with the margins below holds about 90 characters of the default font; a wider table printed portrait
# would shrink below ~85 % to fit, so it prints landscape instead.
PORTRAIT_MAX_WIDTH = 100.0
MARGIN_INCHES = 0.5
# Fitting columns to their content: room around the text, the widest column made so, the height of a line.
PADDING = 2.0
MAX_FITTED_WIDTH = 40.0
MAX_HEADING_WIDTH = 16.0
LINE_HEIGHT_POINTS = 15.0


def table_width(sheet: Worksheet) -> float:
    """The total width, in characters, of the sheet's used columns (hidden columns count nothing)."""
    total = 0.0
    for index in range(1, sheet.max_column + 1):
        dimension = sheet.column_dimensions.get(get_column_letter(index))
        if dimension is not None and dimension.hidden:
            continue
        width = dimension.width if dimension is not None and dimension.customWidth else None
        total += width or DEFAULT_COLUMN_WIDTH
    return total


def print_setup(sheet: Worksheet, *, municipality: str, title: str, header_rows: tuple[int, int] = (1, 1)) -> None:
    """Set ``sheet`` up for printing (see the module docstring). ``header_rows``: first and last row repeated on
    every page (the column headings, with the title line above them when there is one)."""
    first, last = header_rows
    sheet.print_title_rows = f"{first}:{last}"
    _fit_columns(sheet, heading_row=last)
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = (
        sheet.ORIENTATION_LANDSCAPE if table_width(sheet) > PORTRAIT_MAX_WIDTH else sheet.ORIENTATION_PORTRAIT
    )
    if sheet.sheet_properties.pageSetUpPr is None:
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties()
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    margins = sheet.page_margins
    margins.left = margins.right = MARGIN_INCHES
    margins.top, margins.bottom, margins.footer = 0.6, 0.7, 0.3
    footer = sheet.oddFooter
    assert footer is not None  # openpyxl gives every worksheet one
    footer.left.text = _escape(municipality)
    footer.center.text = _escape(title)
    footer.right.text = "&P / &N"  # 「n / m」: this page and the number of pages
    for part in (footer.left, footer.center, footer.right):
        part.size = 9


def text_width(value: object) -> float:
    """How many characters of the default font ``value`` takes on one line: a full-width (CJK) character takes two;
    a date or date-time its ISO form. The longest line counts."""
    if isinstance(value, dt.datetime | dt.date):
        return 10.0 if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else 16.0
    lines = str(value).splitlines() or [""]
    return float(max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines))


def _fit_columns(sheet: Worksheet, *, heading_row: int) -> None:
    """Widen each column to its unwrapped values (at most ``MAX_FITTED_WIDTH``) and to its heading (at most
    ``MAX_HEADING_WIDTH``), never narrowing it: a date shown as ``###`` or a cut-off heading is useless on paper. A
    longer heading wraps, and its row is made tall enough for the lines."""
    values: dict[int, float] = {}
    for row in sheet.iter_rows(min_row=heading_row + 1):
        for cell in row:
            if cell.value is None or cell.value == "" or cell.alignment.wrap_text or not isinstance(cell.column, int):
                continue
            values[cell.column] = max(values.get(cell.column, 0.0), text_width(cell.value) + PADDING)
    lines = 1
    for heading in sheet[heading_row]:
        if not isinstance(heading.column, int):
            continue
        dimension = sheet.column_dimensions[get_column_letter(heading.column)]
        current = dimension.width if dimension.customWidth else DEFAULT_COLUMN_WIDTH
        own = text_width(heading.value) + PADDING if heading.value not in (None, "") else 0.0
        width = max(current, min(values.get(heading.column, 0.0), MAX_FITTED_WIDTH), min(own, MAX_HEADING_WIDTH))
        if width > current:
            dimension.width = width
        if own > width:
            heading.alignment = _wrapped(heading.alignment)
            # A full-width character is a little wider than two of the default font: one line to spare.
            lines = max(lines, math.ceil(own / width) + 1)
    if lines > 1:
        sheet.row_dimensions[heading_row].height = LINE_HEIGHT_POINTS * lines


def _wrapped(alignment: Any) -> Alignment:
    """A copy of a cell's alignment (openpyxl hands out a read-only proxy) that wraps its text."""
    wrapped: Alignment = copy(alignment)
    wrapped.wrap_text = True
    return wrapped


def _escape(text: str) -> str:
    """Text for a header/footer field: ``&`` starts a code there (``&P`` is the page number), so it is doubled."""
    return text.replace("&", "&&")
