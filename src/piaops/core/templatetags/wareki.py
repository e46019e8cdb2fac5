"""Template filters for Japanese dates.

``{{ d|wareki }}`` → 令和8年11月25日, ``{{ fy|nendo }}`` → 2026年度（令和8年度）.
"""

from __future__ import annotations

import datetime as dt

from django import template

from piaops.lib import fiscal
from piaops.lib.dates import local_date

register = template.Library()


def _local_date(value: dt.date | dt.datetime) -> dt.date:
    """The calendar day in Japan: a stored datetime is UTC, and 08:59 JST is still the previous day in UTC."""
    return local_date(value)


def _wareki_or_iso(day: dt.date) -> str:
    try:
        return fiscal.wareki(day)
    except ValueError:  # before 大正: show the date rather than break the page
        return day.isoformat()


@register.filter
def wareki(value: dt.date | dt.datetime | None) -> str:
    if value is None or value == "":
        return ""
    return _wareki_or_iso(_local_date(value))


@register.filter
def nendo(value: int | str | None) -> str:
    if value is None or value == "":
        return ""
    return f"{value}年度（{fiscal.wareki_fiscal_year(int(value))}）"


@register.filter
def date_ja(value: dt.date | dt.datetime | None) -> str:
    """``2026-11-25（令和8年11月25日）``: ISO for sorting and copying, 和暦 for forms."""
    if value is None or value == "":
        return ""
    day = _local_date(value)
    return f"{day.isoformat()}（{_wareki_or_iso(day)}）"
