"""The one date reader of every import (people, training records, ISMAP list, checklists) and of the CLI, and the
Japan-time view of stored instants.

Read (``read_date``), each form a vector in ``tests/lib/test_dates.py``:

- 西暦: ``2026-04-01``, ``2026/4/1``, ``2026.4.1``, ``2026年4月1日``, ``20260401``, in 全角 as well, optionally
  followed by a time (``2026/4/1 0:00``, ``2026-04-01T10:30:00``), which is dropped;
- 和暦: ``令和8年4月1日``, ``R8.4.1``, ``R8/4/1``, ``平成31年4月30日``, ``H31.4.30``, ``昭和64年1月7日``, with
  元年 for the first year (``令和元年5月1日``); a date outside its era (``平成32年``, ``令和元年4月1日``) is refused;
- Excel: a date or date-time cell (openpyxl gives ``datetime``), and a date serial number (``46113`` = 2026-04-01,
  the 1900 date system Excel uses on Windows) in a numeric cell or as five digits of text.

An error is a :class:`DateReadError` whose message is Japanese, for the user (the importer adds the row).

Read (``read_datetime``, ``read_time``): a date as above followed by a time (``2026-11-02 08:15:00``,
``2026/11/2 8:15``), or split over a date cell and a time cell; each form a vector in the same test module.

Japan time (``local_date``, ``local_datetime``): instants are stored in UTC; every date shown on a page, PDF,
XLSX, CSV, iCal or mail is the Japan date of the instant (an incident at 2026-12-07 08:45 JST is on 12月7日,
not on the UTC day 12月6日). ``TIME_ZONE`` is Asia/Tokyo for every municipality piaops serves.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.utils import timezone

from piaops.lib.fiscal import ERAS

DATE_HINT = "日付として読めません（例: 2026-04-01、2026/4/1、R8.4.1、令和8年4月1日）。"

_ERA_BY_NAME = {name: start for start, name, _ in ERAS} | {letter: start for start, _, letter in ERAS}
# The last day of each era: the day before the next one began.
_ERA_END = {
    start: (ERAS[i - 1][0] - dt.timedelta(days=1)) if i else dt.date.max for i, (start, _, _) in enumerate(ERAS)
}
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_WESTERN = re.compile(rf"^(\d{{4}})\s*[-/.年]\s*(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})\s*日?{_TIME}$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ERA_NAMES = "|".join(sorted(_ERA_BY_NAME, key=len, reverse=True))
_WAREKI = re.compile(
    rf"^({_ERA_NAMES})\s*\.?\s*(元|\d{{1,2}})\s*[-/.年]\s*(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})\s*日?{_TIME}$"
)
_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
# Excel's 1900 date system: serial 1 is 1900-01-01 and Excel counts a 1900-02-29 that never was, so from serial
# 61 (1900-03-01) on, day 0 is 1899-12-30. Serials before 61 are not dates anyone imports.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_RANGE = (61, 109574)  # 1900-03-01 .. 2199-12-31


class DateReadError(ValueError):
    """A value that is not a date; ``str()`` is the Japanese reason."""


def excel_serial(serial: float) -> dt.date:
    """The date of an Excel serial number (1900 date system; a fraction is a time of day and is dropped)."""
    whole = int(serial)
    if not _SERIAL_RANGE[0] <= whole <= _SERIAL_RANGE[1]:
        raise DateReadError(DATE_HINT)
    return _EXCEL_EPOCH + dt.timedelta(days=whole)


def _make(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateReadError("存在しない日付です。") from None


def read_date(value: object) -> dt.date | None:
    """The date ``value`` states (see the module docstring for the forms); None for an empty cell.

    Raises :class:`DateReadError` with a Japanese message for anything else."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return local_date(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise DateReadError(DATE_HINT)
    if isinstance(value, int | float):
        return excel_serial(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    if not text:
        return None
    if _SERIAL.match(text):
        return excel_serial(float(text))
    if match := _WAREKI.match(text):
        era, year_text, month, day = match.groups()
        start = _ERA_BY_NAME[era]
        date = _make(start.year + (1 if year_text == "元" else int(year_text)) - 1, int(month), int(day))
        if not start <= date <= _ERA_END[start]:
            raise DateReadError("和暦の年が元号の期間外です。")
        return date
    match = _WESTERN.match(text) or _COMPACT.match(text)
    if not match:
        raise DateReadError(DATE_HINT)
    year, month, day = (int(g) for g in match.groups())
    if not 1900 <= year <= 2200:
        raise DateReadError(DATE_HINT)
    return _make(year, month, day)


DATETIME_HINT = "日時を読み取れません（例：2026-11-02 08:15:00 または 2026/11/02 8:15）。"
NO_SUCH_DATETIME = "存在しない日時です。"
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_DATE_AND_CLOCK = re.compile(r"^(.+?)[ T]+(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$")


def read_time(value: object) -> dt.time | None:
    """The time of day ``value`` states (``8:15``, ``08:15:00``, in 全角 as well; a ``time`` cell as it is); None
    for an empty cell. Raises :class:`DateReadError` (``DATETIME_HINT``, or ``NO_SUCH_DATETIME`` for ``25:00``)."""
    if value is None:
        return None
    if isinstance(value, dt.time):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    match = _CLOCK.match(text)
    if match is None:
        raise DateReadError(DATETIME_HINT)
    try:
        return dt.time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    except ValueError:
        raise DateReadError(NO_SUCH_DATETIME) from None


def _date_of(value: object) -> dt.date:
    """``read_date`` for the date part of a date-time: its errors say 日時, not 日付."""
    try:
        day = read_date(value)
    except DateReadError as exc:
        raise DateReadError(NO_SUCH_DATETIME if str(exc) == "存在しない日付です。" else DATETIME_HINT) from None
    if day is None:
        raise DateReadError(DATETIME_HINT)
    return day


def read_datetime(value: object, time: object = None, *, tz: dt.tzinfo | None = None) -> dt.datetime | None:
    """The instant ``value`` states, aware, in ``tz`` (default: Japan time, the project's ``TIME_ZONE``); None for
    an empty cell. The reader of every date-time an import or form takes (the door log's timestamps).

    - one cell: a date in any form ``read_date`` reads (西暦, 和暦, 全角) followed by a time
      (``2026-11-02 08:15:00``, ``2026/11/2 8:15``, ``R8.11.2 8:15``, ``2026-11-02T08:15:00+09:00``); ISO text
      with an offset is converted to ``tz``, without one it is taken to be ``tz``'s wall-clock time; a
      ``datetime`` cell likewise; a date without a time is refused;
    - with ``time``: ``value`` is the date cell and ``time`` the time cell (an export with split columns).

    ISO text is parsed by ``datetime.fromisoformat`` (in C: a million-row door log depends on it), anything else
    by a regular expression. Raises :class:`DateReadError`: ``DATETIME_HINT``, or ``NO_SUCH_DATETIME`` for a
    date or time that does not exist (2026-02-30, 25:00).
    """
    zone = tz or timezone.get_default_timezone()
    if time is None and type(value) is str:  # the common export first, with as few steps as possible
        text = value.strip()
        if len(text) > 10 and text[4] == "-" and ":" in text:
            try:
                parsed = dt.datetime.fromisoformat(text)
            except ValueError:
                pass
            else:
                return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed.astimezone(zone)
    if time is not None:
        day, clock = _date_of(value), read_time(time)
        if clock is None:
            raise DateReadError(DATETIME_HINT)
        return dt.datetime.combine(day, clock, tzinfo=zone)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
    if isinstance(value, dt.date):
        raise DateReadError(DATETIME_HINT)
    text = str(value).strip()
    if not text:
        return None
    match = _DATE_AND_CLOCK.match(unicodedata.normalize("NFKC", text))
    if match is None:
        raise DateReadError(DATETIME_HINT)
    day, clock = _date_of(match.group(1)), read_time(match.group(2))
    assert clock is not None  # the pattern matched a time
    return dt.datetime.combine(day, clock, tzinfo=zone)


def local_datetime(value: dt.datetime) -> dt.datetime:
    """An instant in Japan time (the project's ``TIME_ZONE``); a naive value is taken to be Japan time already."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def local_date(value: dt.datetime | dt.date) -> dt.date:
    """The Japan date of an instant (a date is returned as it is). Never ``.date()`` of a UTC datetime."""
    if isinstance(value, dt.datetime):
        return local_datetime(value).date()
    return value


_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$")


def japan_time_text(value: str) -> str:
    """An ISO instant with its offset, as stored in JSON (``2026-12-06T23:45:00Z``), as Japan time for a reader
    (``2026-12-07 08:45:00``); any other text is returned unchanged."""
    if not _INSTANT.match(value):
        return value
    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return local_datetime(instant).strftime("%Y-%m-%d %H:%M:%S")


def japan_time_json(value: object) -> object:
    """``value`` (JSON types) with every ISO instant in it shown as Japan time (see :func:`japan_time_text`)."""
    if isinstance(value, str):
        return japan_time_text(value)
    if isinstance(value, dict):
        return {k: japan_time_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [japan_time_json(v) for v in value]
    return value
