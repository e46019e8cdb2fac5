"""Reading an uploaded Excel workbook (.xlsx) as rows of cell values, for the importers.

Every workbook is first measured without loading a cell (:func:`preflight`): the zip directory's uncompressed sizes
(zip bombs), then each sheet's ``<dimension>`` and a count of its ``<row`` tags while it is decompressed in chunks,
so a 5 MB file holding a million rows is refused in a fraction of a second instead of costing openpyxl half a minute.
Then openpyxl opens it read-only with the cached values of formulas (``data_only``). A damaged or foreign file makes
openpyxl raise many kinds of exception (zip, XML, key errors); each is turned into :class:`UnreadableWorkbook`, and
the importer words the refusal in its own message (or shows ``message`` when the preflight gave one).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

Rows = list[tuple[Any, ...]]


# Limits of a workbook anyone imports or uploads (the 20 MB upload limit bounds the compressed size only).
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
MAX_ROWS = 300_000
MAX_COLUMNS = 1_000
MAX_MEMBERS = 2_000
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?\"")
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CHUNK = 1024 * 1024


class UnreadableWorkbook(ValueError):
    """The bytes are not a readable workbook. ``opened`` is False when openpyxl could not open them at all, True
    when it opened them but could not read a sheet. ``message``: a Japanese explanation when there is a better one
    than "cannot be read" (a workbook over a limit), else empty."""

    def __init__(self, *, opened: bool, message: str = "") -> None:
        super().__init__(message or ("opened, but a sheet is unreadable" if opened else "not an XLSX workbook"))
        self.opened = opened
        self.message = message


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _too_large(what: str) -> UnreadableWorkbook:
    return UnreadableWorkbook(
        opened=False,
        message=f"Excel ファイルが大きすぎるため読み込みません（{what}）。"
        f"1シート {MAX_ROWS:,} 行・{MAX_COLUMNS:,} 列までにして、ファイルを分けてください。",
    )


def preflight(archive: zipfile.ZipFile) -> None:
    """Refuse (:class:`UnreadableWorkbook` with a ``message``) a workbook over the limits, before any cell is
    loaded: more than :data:`MAX_MEMBERS` parts or :data:`MAX_UNCOMPRESSED_BYTES` once unpacked (as the zip
    directory declares; zipfile never inflates a part beyond its declared size), a sheet whose ``<dimension>``
    or whose count of rows exceeds :data:`MAX_ROWS` / :data:`MAX_COLUMNS`. Counting rows inflates each sheet once
    in 1 MB chunks and keeps nothing."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise _too_large(f"含まれる部品が {len(members):,} 個")
    total = sum(info.file_size for info in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _too_large(f"展開すると {total // (1024 * 1024):,} MB")
    for info in members:
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        rows = 0
        tail = b""
        first = True
        try:
            with archive.open(info) as part:
                while chunk := part.read(_CHUNK):
                    window = tail + chunk
                    if first:
                        first = False
                        found = _DIMENSION.search(window[:65536])
                        if found and found.group(4):
                            last_column, last_row = found.group(3), int(found.group(4))
                            if last_row > MAX_ROWS or _column_number(last_column) > MAX_COLUMNS:
                                raise _too_large(f"シートの範囲 {found.group(3).decode()}{last_row}")
                    rows += len(_ROW.findall(window)) - len(_ROW.findall(tail))  # those in ``tail`` were counted
                    if rows > MAX_ROWS:
                        raise _too_large(f"{MAX_ROWS:,} 行を超えるシート")
                    tail = window[-16:]
        except UnreadableWorkbook:
            raise
        except Exception as exc:  # a damaged or encrypted part: openpyxl would fail on it too
            raise UnreadableWorkbook(opened=False) from exc


def open_workbook(data: bytes, *, read_only: bool = True, data_only: bool = True) -> Any:
    """:func:`preflight`, then openpyxl's ``load_workbook``. Raises :class:`UnreadableWorkbook` (``opened=False``)."""
    from openpyxl import load_workbook  # imported on use: most requests never read a workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            preflight(archive)
    except UnreadableWorkbook:
        raise
    except Exception as exc:
        raise UnreadableWorkbook(opened=False) from exc
    try:
        return load_workbook(io.BytesIO(data), read_only=read_only, data_only=data_only)
    except Exception as exc:
        raise UnreadableWorkbook(opened=False) from exc


def xlsx_sheets(data: bytes, *, first_only: bool = False) -> list[tuple[str, Rows]]:
    """(sheet title, rows of cell values, row 1 first) of every sheet in order, or of the first one only.

    Every row is read before returning and the workbook is closed, also on failure. Raises
    :class:`UnreadableWorkbook` (a workbook without a sheet, with ``first_only``, counts as ``opened``).
    """
    book = open_workbook(data)
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
