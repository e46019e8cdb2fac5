"""Calendar of a Japanese municipality: 年度 (April–March), 和暦, and 開庁日 arithmetic.

開庁日 are the days the office is open: not Saturday or Sunday, not a national holiday (jpholiday), and not
the year-end closure 12/29–1/3 (行政機関の休日に関する法律).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools

import jpholiday

# The years a page, a report or a query string may name (a 年度, a month's year, a 基準日). A URL or a query outside
# them answers 404/400 instead of reaching date arithmetic that would overflow (9999-12-31 + 1 day) or predate 大正.
FIRST_YEAR = 2000
LAST_YEAR = 2100


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def date_in_range(day: dt.date) -> bool:
    return year_in_range(day.year)


# (first day, era name, short letter). Newest first; 令和 covers every date piaops deals with in practice, the
# older eras are there for dates of employment or of old reports.
ERAS = (
    (dt.date(2019, 5, 1), "令和", "R"),
    (dt.date(1989, 1, 8), "平成", "H"),
    (dt.date(1926, 12, 25), "昭和", "S"),
    (dt.date(1912, 7, 30), "大正", "T"),
)


def fiscal_year(day: dt.date) -> int:
    """The 年度 that ``day`` falls in, named by the calendar year it starts in (2026年度 = 2026-04-01..2027-03-31)."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_start(fy: int) -> dt.date:
    return dt.date(fy, 4, 1)


def fiscal_year_end(fy: int) -> dt.date:
    return dt.date(fy + 1, 3, 31)


def fiscal_half(day: dt.date) -> int:
    """1 for 上期 (April–September), 2 for 下期 (October–March)."""
    return 1 if 4 <= day.month <= 9 else 2


def era(day: dt.date) -> tuple[str, int]:
    """(era name, era year) of ``day``, e.g. (令和, 8) for 2026-11-25."""
    for start, name, _ in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day.isoformat()} is before 大正, which piaops does not display")


def _era_year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def wareki(day: dt.date) -> str:
    """``令和8年11月25日``; the first year of an era is written 元年."""
    name, year = era(day)
    return f"{name}{_era_year_text(year)}年{day.month}月{day.day}日"


def wareki_fiscal_year(fy: int) -> str:
    """``令和8年度`` for 2026年度.

    A 年度 takes the era in force at the end of the calendar year it starts in, so the year of an era change is
    named after the *new* era when the change falls in April–December (2019年度 = 令和元年度, as in every 決算 and
    評価書 written after May 2019) and after the old one when it falls in January–March (1988年度 = 昭和63年度,
    1989年度 = 平成元年度).
    """
    name, year = era(dt.date(fy, 12, 31))
    return f"{name}{_era_year_text(year)}年度"


def is_year_end_closure(day: dt.date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


@functools.lru_cache(maxsize=4096)
def is_office_day(day: dt.date) -> bool:
    """True on a 開庁日.

    Cached: the answer depends on the date alone (jpholiday's table is fixed for the process), and a holiday lookup
    costs tens of microseconds, which the deadline and due-date loops would otherwise pay per day walked."""
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and not is_year_end_closure(day)


def next_office_day(day: dt.date) -> dt.date:
    """``day`` itself if it is a 開庁日, else the next one (a due date that falls on a closed day moves forward)."""
    while not is_office_day(day):
        day += dt.timedelta(days=1)
    return day


def previous_office_day(day: dt.date) -> dt.date:
    while not is_office_day(day):
        day -= dt.timedelta(days=1)
    return day


def add_office_days(day: dt.date, n: int) -> dt.date:
    """The n-th 開庁日 after ``day`` (before it when n < 0); ``day`` itself does not count."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        day += dt.timedelta(days=step)
        if is_office_day(day):
            remaining -= 1
    return day


def office_days_between(start: dt.date, end: dt.date) -> int:
    """開庁日 in (start, end]; negative when end < start."""
    if end < start:
        return -office_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_office_day(day):
            count += 1
    return count


def add_years(day: dt.date, years: int) -> dt.date:
    """Same month and day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier, when negative); a day the target month lacks becomes its last day
    (1/31 + 1 → 2/28 or 2/29; 8/31 + 6 → 2/28 or 2/29)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
