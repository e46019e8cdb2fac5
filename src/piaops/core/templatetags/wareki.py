"""Template filters for Japanese dates.

``{{ d|wareki }}`` → 令和8年11月25日, ``{{ fy|nendo }}`` → 2026年度（令和8年度）.
"""

from __future__ import annotations

import datetime as dt
import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

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


# What must never break across lines in a printed table (issue 19 §2): a 和暦 or ISO date, a fiscal year, and the
# audit types. WeasyPrint sizes a column to its widest unbreakable run, so the column widens instead.
_UNBREAKABLE = re.compile(
    r"(?:令和|平成|昭和|大正)(?:元|\d{1,2})年(?:度|\d{1,2}月(?:\d{1,2}日)?)?"
    r"|\d{4}-\d{2}-\d{2}|\d{4}年度|現地監査|書面監査"
)

_SHORT = 6


@register.filter
def nobreak(value: object) -> SafeString:
    """``value`` escaped, its dates and audit types wrapped in ``<span class="nw">`` (white-space: nowrap); a short
    label of one word (実施中, 確認済, 高) is kept whole as well."""
    text = conditional_escape("" if value is None else str(value))
    if 0 < len(str(value)) <= _SHORT and not str(value).split()[1:]:
        return mark_safe(f'<span class="nw">{text}</span>')  # noqa: S308 - escaped above
    return mark_safe(_UNBREAKABLE.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', str(text)))  # noqa: S308 - escaped above
