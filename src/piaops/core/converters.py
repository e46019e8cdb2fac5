"""URL converters for years and months: a path naming a year outside ``lib.fiscal``'s range, or a month outside
1–12, does not match (404) instead of reaching a view that would compute dates with it."""

from __future__ import annotations

from django.urls import register_converter

from piaops.lib.fiscal import year_in_range


class YearConverter:
    """``<year:fy>``: a 年度 or calendar year between ``FIRST_YEAR`` and ``LAST_YEAR``."""

    regex = "[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if not year_in_range(year):
            raise ValueError(value)
        return year

    def to_url(self, value: int) -> str:
        return str(value)


class MonthConverter:
    """``<month:month>``: 1–12."""

    regex = "[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        month = int(value)
        if not 1 <= month <= 12:
            raise ValueError(value)
        return month

    def to_url(self, value: int) -> str:
        return str(value)


def register() -> None:
    register_converter(YearConverter, "year")
    register_converter(MonthConverter, "month")
