"""Deadlines of the PPC 漏えい等報告 for incidents that may involve 特定個人情報.

- 速報: 「速やかに」, which the PPC explains as roughly 3 to 5 days from when the body knew of the incident.
  piaops shows a target (3 days) and a due date (5 days, ``PIAOPS_PPC_PROMPT_DAYS``).
- 確報: within 30 days from knowing; 60 days when the incident may have been caused with an unlawful purpose
  (不正の目的, e.g. unauthorised access or theft).
Days are counted from the day after the day of knowing (初日不算入). A due date that falls on a day the office is
closed is moved *back* to the previous 開庁日: a report is then never late, whatever reading of the holiday rule
applies (a deliberate, conservative choice; see README).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from piaops.lib.fiscal import next_office_day, previous_office_day

PROMPT_TARGET_DAYS = 3
FINAL_DAYS = 30
FINAL_DAYS_UNLAWFUL = 60


@dataclass(frozen=True)
class PpcDeadlines:
    prompt_target: dt.date
    prompt_due: dt.date
    final_due: dt.date


def _due(known_on: dt.date, days: int) -> dt.date:
    """``days`` after ``known_on``, moved back to a 開庁日 — but never back onto or before the day of knowing
    (over the year-end closure the next 開庁日 is the only possible one)."""
    day = known_on + dt.timedelta(days=days)
    earlier = previous_office_day(day)
    return earlier if earlier > known_on else next_office_day(day)


def deadlines(*, known_on: dt.date, unlawful_purpose: bool) -> PpcDeadlines:
    prompt_days = int(getattr(settings, "PIAOPS_PPC_PROMPT_DAYS", 5))
    final_days = FINAL_DAYS_UNLAWFUL if unlawful_purpose else FINAL_DAYS
    return PpcDeadlines(
        prompt_target=_due(known_on, PROMPT_TARGET_DAYS),
        prompt_due=_due(known_on, prompt_days),
        final_due=_due(known_on, final_days),
    )
