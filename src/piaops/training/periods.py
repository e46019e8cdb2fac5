"""Date arithmetic of training requirements: months, 年度 periods, and day numbers shared with the SQL.

The compliance query compares per-row dates with constants computed here, so that month arithmetic (which
SQLite and PostgreSQL do differently at month ends) is done once, in Python, the same way for both databases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from piaops.lib.fiscal import add_months, fiscal_year, fiscal_year_start

EPOCH = dt.date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01: the integer the SQL's day-number expression gives for the same date."""
    return day.toordinal() - _EPOCH_ORDINAL


def from_day_number(n: int) -> dt.date:
    return dt.date.fromordinal(n + _EPOCH_ORDINAL)


def latest_with_months_not_after(limit: dt.date, months: int) -> dt.date:
    """The latest day ``x`` with ``add_months(x, months) <= limit``.

    ``add_months`` never decreases, so ``add_months(x, m) > limit`` holds exactly for ``x`` after this day: the
    SQL compares a completion date with it instead of adding months per row.
    """
    x = add_months(limit, -months)
    while add_months(x + dt.timedelta(days=1), months) <= limit:
        x += dt.timedelta(days=1)
    while add_months(x, months) > limit:
        x -= dt.timedelta(days=1)
    return x


@dataclass(frozen=True)
class Period:
    """One of the ``times`` equal parts of a 年度 (年2回: 上期 April–September, 下期 October–March)."""

    start: dt.date
    end: dt.date
    index: int  # 0-based within the 年度
    times: int

    @property
    def label(self) -> str:
        fy = fiscal_year(self.start)
        if self.times == 1:
            return f"{fy}年度"
        if self.times == 2:
            return f"{fy}年度{'上期' if self.index == 0 else '下期'}"
        return f"{fy}年度 第{self.index + 1}期"


def period_of(day: dt.date, times: int) -> Period:
    if times not in (1, 2, 3, 4, 6, 12):
        raise ValueError("times per year must divide 12")
    length = 12 // times
    fy = fiscal_year(day)
    months_in = (day.month - 4) % 12
    index = months_in // length
    start = add_months(fiscal_year_start(fy), index * length)
    end = add_months(start, length) - dt.timedelta(days=1)
    return Period(start, end, index, times)


def previous_period(period: Period) -> Period:
    return period_of(period.start - dt.timedelta(days=1), period.times)


def next_period(period: Period) -> Period:
    return period_of(period.end + dt.timedelta(days=1), period.times)
