"""Insert already validated rows at the speed of the database: COPY on PostgreSQL, one prepared INSERT on SQLite.

Imports validate every cell first (the 個人番号 check included, which is what the guarded model fields would do on
the way in), so building a model instance per row would only repeat that work: for 100,000 rows it costs several
times the insert itself. Rows go in as plain tuples, in the caller's transaction, with no signals and no ``save()``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection

BATCH = 5000


def _sqlite_value(value: Any) -> Any:
    """What Django itself stores on SQLite: instants as naive UTC text, days and times as ISO text."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


_TEMPORAL = frozenset({dt.datetime, dt.date, dt.time})


def _sqlite_rows(rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
    """Rows with their date/time cells converted (found by exact type: one set lookup per cell)."""
    temporal, convert = _TEMPORAL, _sqlite_value
    for row in rows:
        yield [convert(v) if type(v) in temporal else v for v in row]


@contextlib.contextmanager
def _copy(cursor: Any, table: str, names: str) -> Iterator[Any]:
    """A psycopg ``COPY table (names) FROM STDIN`` on PostgreSQL."""
    quote = connection.ops.quote_name
    raw: Any = cursor.cursor
    # COPY FROM refuses a table whose row-level security applies to this role (production's ordinary role; not the
    # superuser of tests and benchmarks): copy into a temporary table of the same columns, then one INSERT … SELECT,
    # which the tenant policy checks row by row.
    cursor.execute("SELECT row_security_active(%s)", [quote(table)])
    target = quote(table)
    if cursor.fetchone()[0]:
        target = quote(f"piaops_bulk_{table}")
        cursor.execute(f"DROP TABLE IF EXISTS {target}")
        cursor.execute(f"CREATE TEMPORARY TABLE {target} AS SELECT {names} FROM {quote(table)} WITH NO DATA")
    # Errors as Django's (IntegrityError…), as the ORM and the SQLite path raise them.
    with connection.wrap_database_errors, raw.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        yield copy
    if target != quote(table):
        cursor.execute(f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {target}")
        cursor.execute(f"DROP TABLE {target}")


# COPY's text format: a tab between cells, a line per row, \N for NULL, and these four escaped.
_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _copy_text(value: Any) -> str:
    """One cell in COPY's text format, as PostgreSQL reads it back into the column's type."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date | dt.time):  # a datetime too: ISO 8601, with its offset when aware
        return value.isoformat()
    raise TypeError(f"insert_columns: no COPY text for {type(value).__name__}")


def _copy_column(values: Sequence[Any]) -> Sequence[str]:
    """A column's cells in COPY text: text without a character to escape as it is, each distinct other value
    converted once (dates, flags and ids of a column repeat)."""
    kinds = set(map(type, values))
    if kinds == {str}:
        joined = "".join(values)
        if not any(ch in joined for ch in "\\\n\r\t"):
            return values
        return [v.translate(_ESCAPES) for v in values]
    if kinds == {int}:
        return list(map(str, values))
    if len(kinds - {type(None)}) > 1:  # 1 == True == 1.0: a shared cache would mix them up
        return [_copy_text(v) for v in values]
    texts = {v: _copy_text(v) for v in set(values)}
    return list(map(texts.__getitem__, values))


def insert_columns(
    table: str,
    columns: Sequence[str],
    cells: Sequence[Sequence[Any]],
    *,
    progress: Callable[[int], object] | None = None,
) -> int:
    """:func:`insert_rows` of rows given column by column: ``cells[i]`` is column ``columns[i]`` of every row.

    On PostgreSQL each column becomes COPY text at once (``None``, ``bool``, ``int``, ``Decimal``, ``float``,
    ``str``, dates, times and date-times) and the rows are written as text, not formatted one by one; on SQLite
    the rows go through :func:`insert_rows`. Returns how many rows."""
    if len(cells) != len(columns) or len({len(c) for c in cells}) > 1:
        raise ValueError("insert_columns: one sequence of cells per column, all of one length")
    if connection.vendor != "postgresql":
        return insert_rows(table, columns, zip(*cells, strict=True), progress=progress)
    count = len(cells[0]) if cells else 0
    texts = [_copy_column(c) for c in cells]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, _copy(cursor, table, names) as copy:
        for first in range(0, count, BATCH):
            lines = zip(*(t[first : first + BATCH] for t in texts), strict=True)
            copy.write("\n".join(map("\t".join, lines)) + "\n")
            if progress is not None:
                progress(min(BATCH, count - first))
    return count


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Insert ``rows`` (values in ``columns`` order, Python values) into ``table``; returns how many.

    PostgreSQL: ``COPY table (columns) FROM STDIN`` through psycopg 3. SQLite: ``executemany`` of one INSERT in
    batches. The caller holds the transaction, so a failure (or a kill) leaves none of the rows. ``progress(n)``
    is told every ``BATCH`` rows. ``rows`` may be a generator, but it must not query the database: on PostgreSQL
    the connection is busy with the COPY while it runs (a query there would wait forever). A column whose cells
    may be a date/time is stored as Django stores it on SQLite (naive UTC text for instants).
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with _copy(cursor, table, names) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
                    count += 1
                    if progress is not None and count % BATCH == 0:
                        progress(BATCH)
        else:
            statement = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
            iterator = iter(_sqlite_rows(rows))
            while chunk := list(itertools.islice(iterator, BATCH)):
                cursor.executemany(statement, chunk)
                count += len(chunk)
                if progress is not None:
                    progress(len(chunk))
    if progress is not None and connection.vendor == "postgresql" and count % BATCH:
        progress(count % BATCH)
    return count


_pause_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of a bulk import.

    Reading 100,000 rows creates millions of small objects that live until the import ends; each full collection
    walks all of them again, which cost a third of a people import's time. Reference counting still frees what
    the import drops; cycles wait until the last paused block ends (imports are bounded by the upload limit).
    """
    global _pauses, _was_enabled
    with _pause_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
