"""Pure date rules of third-party assurance: month arithmetic, the ISMAP validity rule, obligation due dates.

Nothing here touches the database, so the rules can be tested at their edges directly.
"""

from __future__ import annotations

import calendar
import datetime as dt

from piaops.lib import cadence as cadence_grammar
from piaops.lib.fiscal import add_months, fiscal_year, next_office_day, previous_office_day

# ISMAP基本規程 3.5: 「登録の有効期限は、登録の対象となった監査の対象期間の末日の翌日から1年4ヶ月後までとする」.
ISMAP_VALIDITY_MONTHS = 16


def ismap_expiry(audit_period_end: dt.date) -> dt.date:
    """The last day an ISMAP / ISMAP-LIU registration is valid.

    The day after the audit period's end, plus 1 year 4 months. The registration is taken to be valid *through*
    that day (「…までとする」). When the day does not exist in the target month the month's last day is used.
    """
    return add_months(audit_period_end + dt.timedelta(days=1), ISMAP_VALIDITY_MONTHS)


def ismap_is_valid(
    *, expires_on: dt.date, on: dt.date, renewal_applied_on: dt.date | None = None, delisted: bool = False
) -> bool:
    """Whether a registration is valid on ``on``.

    Past its expiry a registration stays valid while a renewal applied for *before* the expiry is pending
    (ISMAP基本規程: the registration continues until the committee decides). Removal from the list ends it.
    """
    if delisted:
        return False
    if on <= expires_on:
        return True
    return renewal_applied_on is not None and renewal_applied_on <= expires_on


def cadence_from_report(value: str) -> str:
    """The obligation cadence (a :mod:`piaops.lib.cadence` value with a period) for a commitment's scheduling
    cadence. Unstated, 定期的に, 随時 and occasions mean yearly; finer than a month (毎週, 月2回) is checked monthly."""
    if not value or not cadence_grammar.is_value(value):
        return "annual"
    c = cadence_grammar.from_value(value)
    if c.every_months is None:
        return "annual"
    if c.per_year is not None and c.every_months == 1:
        return "monthly"
    return c.value


def _months(cadence: str) -> int:
    months = cadence_grammar.from_value(cadence).every_months
    if months is None:
        raise ValueError(f"{cadence!r} has no period")
    return months


def window(day: dt.date, cadence: str) -> tuple[dt.date, dt.date]:
    """The window of the 年度 that ``day`` falls in for a cadence that divides the 年度 (年2回: 上期 4/1–9/30,
    下期 10/1–3/31; yearly: the 年度 itself); for a longer cadence, the 年度."""
    months = min(_months(cadence), 12)
    if 12 % months:
        months = 12
    start = dt.date(fiscal_year(day), 4, 1)
    index = ((day.month - 4) % 12) // months
    first = add_months(start, index * months)
    return first, add_months(first, months) - dt.timedelta(days=1)


def first_due(today: dt.date, cadence: str) -> dt.date:
    """Nominal first due date of a new obligation: the end of the current 年度 (or half / quarter / month)."""
    return window(today, cadence)[1]


def advance(nominal_due: dt.date, cadence: str) -> dt.date:
    """The nominal due date one cadence step later: the same place in the next window (年2回: 9/30 → 3/31, never
    further), whenever the evidence came. Month ends stay month ends (9/30 + 6 → 3/31)."""
    months = _months(cadence)
    nxt = add_months(nominal_due, months)
    if nominal_due.day == calendar.monthrange(nominal_due.year, nominal_due.month)[1]:
        nxt = nxt.replace(day=calendar.monthrange(nxt.year, nxt.month)[1])
    return nxt


def office_due(nominal_due: dt.date, cadence: str = "") -> dt.date:
    """A due date falls on a 開庁日: a nominal date on a closed day moves to the next 開庁日 — unless that leaves the
    window it is due in (a 下期 due on Saturday 3/31 would move into the next 年度), then to the previous one."""
    later = next_office_day(nominal_due)
    if cadence and later > window(nominal_due, cadence)[1]:
        return previous_office_day(nominal_due)
    return later
