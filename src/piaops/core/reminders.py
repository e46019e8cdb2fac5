"""Reminders: what ``piaops remind`` (run daily by cron or a systemd timer) sends.

Each domain app that has deadlines provides a module ``piaops.<app>.reminders`` with
``collect(*, today: date) -> Iterable[Reminder]``: every reminder that is due *today or earlier and not yet
resolved*. The command sends each one whose ``key`` has not been sent before and records it; a failed send is
retried on the next run. So ``collect`` never needs to remember what it sent: a stable ``key`` is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

REMINDER_SOURCES = [
    "piaops.selfcheck.reminders",
    "piaops.findings.reminders",
    "piaops.audits.reminders",
    "piaops.training.reminders",
    "piaops.assurance.reminders",
    "piaops.incidents.reminders",
    "piaops.assessments.reminders",
]


@dataclass(frozen=True)
class Reminder:
    key: str  # stable and unique, e.g. "selfcheck:checklist:42:before-3" — sent at most once
    municipality_id: int
    recipients: tuple[str, ...]  # e-mail addresses (may be empty: then it only shows on the home page)
    subject: str  # Japanese
    body: str  # Japanese, plain text
    url: str = ""  # path of the page to act on
    unit_id: int | None = None  # shown on this unit's home page (and its subtree's 所属長)
    overdue: bool = False


def collect_all(*, today: date) -> list[Reminder]:
    """Every due reminder of every source module that exists (later modules plug in by existing)."""
    import importlib

    found: list[Reminder] = []
    for name in REMINDER_SOURCES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # the app has no reminders (yet)
                continue
            raise
        found.extend(module.collect(today=today))
    return found
