"""Template filters for Japanese dates.

``{{ d|wareki }}`` → 令和8年11月25日, ``{{ fy|nendo }}`` → 2026年度（令和8年度）.
"""

from __future__ import annotations

import datetime as dt

from django import template

from piaops.lib import fiscal

register = template.Library()


@register.filter
def wareki(value: dt.date | dt.datetime | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return fiscal.wareki(value)


@register.filter
def nendo(value: int | None) -> str:
    if value is None or value == "":
        return ""
    return f"{value}年度（{fiscal.wareki_fiscal_year(int(value))}）"


@register.filter
def date_ja(value: dt.date | dt.datetime | None) -> str:
    """``2026-11-25（令和8年11月25日）``: ISO for sorting and copying, 和暦 for forms."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.isoformat()}（{fiscal.wareki(value)}）"
