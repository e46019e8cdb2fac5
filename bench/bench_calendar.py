"""開庁日 arithmetic: ``add_office_days`` over a year of due dates, next to a plain weekday-only loop."""

from __future__ import annotations

import datetime as dt

from bench.harness import Figure, median_seconds
from piaops.lib.fiscal import add_office_days

STARTS = [dt.date(2026, 4, 1) + dt.timedelta(days=i) for i in range(365)]


def _ours() -> None:
    for day in STARTS:
        add_office_days(day, 10)


def _weekdays_only() -> None:
    for day in STARTS:
        remaining = 10
        while remaining:
            day += dt.timedelta(days=1)
            if day.weekday() < 5:
                remaining -= 1


def run() -> list[Figure]:
    return [
        Figure(
            name="add_office_days(+10) for 365 dates",
            ours=median_seconds(_ours),
            baseline=median_seconds(_weekdays_only),
            baseline_name="weekday-only loop, no holidays",
            unit_count=len(STARTS),
        )
    ]
