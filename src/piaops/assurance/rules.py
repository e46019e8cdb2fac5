"""Pure date rules of third-party assurance: month arithmetic, the ISMAP validity rule, obligation due dates.

Nothing here touches the database, so the rules can be tested at their edges directly.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import models

from piaops.lib.fiscal import add_months, fiscal_year, fiscal_year_end, next_office_day

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


class Cadence(models.TextChoices):
    """How often an assurance obligation expects evidence."""

    MONTHLY = "monthly", "毎月"
    QUARTERLY = "quarterly", "四半期ごと"
    SEMIANNUAL = "semiannual", "年2回"
    ANNUAL = "annual", "毎年（年度ごと）"
    BIENNIAL = "biennial", "2年ごと"


CADENCE_MONTHS: dict[str, int] = {
    Cadence.MONTHLY: 1,
    Cadence.QUARTERLY: 3,
    Cadence.SEMIANNUAL: 6,
    Cadence.ANNUAL: 12,
    Cadence.BIENNIAL: 24,
}


def cadence_from_report(value: str) -> Cadence:
    """The obligation cadence for a commitment's cadence word (assessments ``Cadence``); unstated means yearly."""
    if value == "semiannual":
        return Cadence.SEMIANNUAL
    return Cadence.ANNUAL


def first_due(today: dt.date, cadence: str) -> dt.date:
    """Nominal first due date of a new obligation: the end of the current 年度 (or half / quarter / month)."""
    months = CADENCE_MONTHS[cadence]
    if months >= 12:
        return fiscal_year_end(fiscal_year(today))
    # Periods are counted from 1 April, so a half ends on 9/30 or 3/31 and a quarter on 6/30, 9/30, 12/31, 3/31.
    offset = (today.month - 4) % 12
    end_month_index = (offset // months + 1) * months  # months after 1 April at which the period ends
    start = dt.date(fiscal_year(today), 4, 1)
    return add_months(start, end_month_index) - dt.timedelta(days=1)


def advance(nominal_due: dt.date, cadence: str) -> dt.date:
    """The nominal due date one cadence step later. Month ends stay month ends (9/30 + 6 → 3/31)."""
    months = CADENCE_MONTHS[cadence]
    nxt = add_months(nominal_due, months)
    if nominal_due.day == calendar.monthrange(nominal_due.year, nominal_due.month)[1]:
        nxt = nxt.replace(day=calendar.monthrange(nxt.year, nxt.month)[1])
    return nxt


def office_due(nominal_due: dt.date) -> dt.date:
    """A due date falls on a 開庁日: a nominal date on a closed day moves to the next 開庁日."""
    return next_office_day(nominal_due)
