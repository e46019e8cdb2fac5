"""The one date reader (``piaops.lib.dates.read_date``) and the Japan-time view of instants, vector by vector.

Sources: 元号を改める政令 (平成31年政令第143号: 令和 from 2019-05-1), 元号法; Excel's 1900 date system
(serial 1 = 1900-01-01, with the fictitious 1900-02-29, so serial 61 = 1900-03-01).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from piaops.lib.dates import (
    DATE_HINT,
    DATETIME_HINT,
    NO_SUCH_DATETIME,
    DateReadError,
    excel_serial,
    local_date,
    read_date,
    read_datetime,
    read_time,
)
from piaops.lib.fields import ReadDateField

pytestmark = pytest.mark.engine_independent

D = dt.date
UTC = dt.UTC
JST = zoneinfo.ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # 西暦
        ("2026-04-01", D(2026, 4, 1)),
        ("2026/4/1", D(2026, 4, 1)),
        ("2026.4.1", D(2026, 4, 1)),
        ("2026年4月1日", D(2026, 4, 1)),
        ("２０２６年４月１日", D(2026, 4, 1)),  # 全角
        ("20260401", D(2026, 4, 1)),
        ("2026/4/1 0:00", D(2026, 4, 1)),  # Excel's text of a date-time cell
        ("2026-04-01T10:30:00", D(2026, 4, 1)),
        (" 2026-04-01 ", D(2026, 4, 1)),
        # 和暦
        ("令和8年4月1日", D(2026, 4, 1)),
        ("R8.4.1", D(2026, 4, 1)),
        ("r8/4/1", D(2026, 4, 1)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("R元.5.1", D(2019, 5, 1)),
        ("平成31年4月30日", D(2019, 4, 30)),
        ("H31.4.30", D(2019, 4, 30)),
        ("平成元年1月8日", D(1989, 1, 8)),
        ("昭和64年1月7日", D(1989, 1, 7)),
        ("Ｒ８．４．１", D(2026, 4, 1)),
        # Excel
        (dt.datetime(2026, 4, 1, 0, 0), D(2026, 4, 1)),
        (D(2026, 4, 1), D(2026, 4, 1)),
        (46113, D(2026, 4, 1)),
        (46113.5, D(2026, 4, 1)),  # noon of that day
        ("46113", D(2026, 4, 1)),
        (61, D(1900, 3, 1)),
        # aware instants: the Japan date
        (dt.datetime(2026, 12, 6, 23, 45, tzinfo=UTC), D(2026, 12, 7)),
        # empty
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_every_form_reads_as_the_same_date(value: object, expected: D | None) -> None:
    assert read_date(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "存在しない日付"),
        ("令和8年2月29日", "存在しない日付"),  # 2026 is not a leap year
        ("令和元年4月1日", "元号の期間外"),  # 令和 began on 5/1
        ("平成32年1月1日", "元号の期間外"),
        ("昭和64年1月8日", "元号の期間外"),  # that day is 平成元年
        ("4/1", DATE_HINT),
        ("1899-12-31", DATE_HINT),
        ("来年度", DATE_HINT),
        ("20261301", "存在しない日付"),
        ("12345678", DATE_HINT),
        (60, DATE_HINT),  # Excel's fictitious 1900-02-29 and before
        (True, DATE_HINT),
    ],
)
def test_what_is_not_a_date_is_refused_in_japanese(value: object, message: str) -> None:
    with pytest.raises(DateReadError, match=message):
        read_date(value)


def test_excel_serials_around_the_era_change() -> None:
    assert excel_serial(43586) == D(2019, 5, 1)
    assert excel_serial(43585) == D(2019, 4, 30)


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (dt.datetime(2026, 12, 6, 23, 45, tzinfo=UTC), D(2026, 12, 7)),  # 2026-12-07 08:45 JST
        (dt.datetime(2026, 12, 6, 14, 59, tzinfo=UTC), D(2026, 12, 6)),  # 23:59 JST
        (dt.datetime(2026, 12, 6, 15, 0, tzinfo=UTC), D(2026, 12, 7)),  # 00:00 JST
        (dt.datetime(2027, 3, 31, 15, 30, tzinfo=UTC), D(2027, 4, 1)),  # the next 年度 in Japan
        (dt.datetime(2026, 12, 7, 8, 45, tzinfo=JST), D(2026, 12, 7)),
        (D(2026, 12, 7), D(2026, 12, 7)),
    ],
)
def test_an_instant_shows_on_its_japan_date(instant: dt.datetime | D, day: D) -> None:
    assert local_date(instant) == day


def J(*parts: int) -> dt.datetime:
    """A Japan-time instant."""
    return dt.datetime(*parts, tzinfo=JST)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "time", "expected"),
    [
        # one cell: ISO (the common export), with or without seconds, offset or fraction
        ("2026-11-02 08:15:00", None, J(2026, 11, 2, 8, 15)),
        ("2026-11-02 08:15", None, J(2026, 11, 2, 8, 15)),
        ("2026-11-02T08:15:00", None, J(2026, 11, 2, 8, 15)),
        ("2026-11-02T00:15:00+00:00", None, J(2026, 11, 2, 9, 15)),  # an offset: converted to Japan time
        ("2026-11-02T08:15:00+09:00", None, J(2026, 11, 2, 8, 15)),
        ("2026-11-02 08:15:30.5", None, J(2026, 11, 2, 8, 15, 30, 500000)),
        (" 2026-11-02 23:59:59 ", None, J(2026, 11, 2, 23, 59, 59)),
        # one cell: any date read_date reads, then a time
        ("2026/11/02 9:05", None, J(2026, 11, 2, 9, 5)),
        ("2026/11/2  9:05:07", None, J(2026, 11, 2, 9, 5, 7)),  # several spaces
        ("2026.11.2 9:05", None, J(2026, 11, 2, 9, 5)),
        ("2026年11月2日 9:05", None, J(2026, 11, 2, 9, 5)),
        ("R8.11.2 9:05", None, J(2026, 11, 2, 9, 5)),
        ("令和8年11月2日 9:05", None, J(2026, 11, 2, 9, 5)),
        ("２０２６／１１／０２　０９：０５", None, J(2026, 11, 2, 9, 5)),  # 全角
        # cells
        (dt.datetime(2026, 11, 2, 9, 5), None, J(2026, 11, 2, 9, 5)),  # an Excel date-time cell: Japan time
        (dt.datetime(2026, 11, 2, 0, 5, tzinfo=dt.UTC), None, J(2026, 11, 2, 9, 5)),
        # split columns: a date cell and a time cell
        ("2026-11-02", "8:15", J(2026, 11, 2, 8, 15)),
        ("2026/11/2", "08:15:09", J(2026, 11, 2, 8, 15, 9)),
        ("R8.11.2", "８：１５", J(2026, 11, 2, 8, 15)),
        (dt.date(2026, 11, 2), dt.time(8, 15), J(2026, 11, 2, 8, 15)),
        # empty
        ("", None, None),
        ("   ", None, None),
        (None, None, None),
    ],
)
def test_every_form_reads_as_the_same_instant(value: object, time: object, expected: dt.datetime | None) -> None:
    got = read_datetime(value, time)
    assert got == expected
    assert got is None or got.tzinfo == JST


@pytest.mark.parametrize(
    ("value", "time", "message"),
    [
        ("02.11.2026 08:15", None, DATETIME_HINT),
        ("2026-11-02", None, DATETIME_HINT),  # a date without a time
        (dt.date(2026, 11, 2), None, DATETIME_HINT),
        ("8:15", None, DATETIME_HINT),
        ("2026-11-02 8時15分", None, DATETIME_HINT),
        ("2026-02-30 08:00", None, NO_SUCH_DATETIME),
        ("2026-11-02 25:00", None, NO_SUCH_DATETIME),
        ("2026-11-02 08:61", None, NO_SUCH_DATETIME),
        ("令和8年2月29日 8:00", None, NO_SUCH_DATETIME),
        ("2026-11-02", "", DATETIME_HINT),
        ("", "8:15", DATETIME_HINT),
        ("2026-11-02", "815", DATETIME_HINT),
        ("2026-11-02", "24:00", NO_SUCH_DATETIME),
        ("2026-13-02", "8:00", NO_SUCH_DATETIME),
    ],
)
def test_what_is_not_an_instant_is_refused_in_japanese(value: object, time: object, message: str) -> None:
    with pytest.raises(DateReadError) as caught:
        read_datetime(value, time)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("8:15", dt.time(8, 15)), ("08:15:09", dt.time(8, 15, 9)), ("０：００", dt.time(0, 0)), ("", None), (None, None)],
)
def test_a_time_of_day(value: object, expected: dt.time | None) -> None:
    assert read_time(value) == expected


@pytest.mark.parametrize(
    ("typed", "expected", "error"),
    [
        ("2027-01-29", D(2027, 1, 29), None),
        ("R9.1.29", D(2027, 1, 29), None),
        ("", None, None),
        ("2027-02-30", None, "存在しない日付です。"),
        ("来月", None, DATE_HINT),
    ],
)
def test_a_form_reads_dates_with_the_same_reader(typed: str, expected: D | None, error: str | None) -> None:
    field = ReadDateField(required=False)
    if error is None:
        assert field.clean(typed) == expected
    else:
        with pytest.raises(Exception, match=error):
            field.clean(typed)
