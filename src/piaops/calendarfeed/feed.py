"""What a user's feed holds: the unresolved deadlines that concern them, as iCalendar events.

"Concern them" is what their home page shows (``piaops.core.reminders.reminder_scope``): the whole municipality
for the 番号制度総括管理者, their units' subtrees for a 所属長・所属担当者, nothing for the other roles. The
deadlines come from each app's ``reminders.deadlines`` (not ``collect``: a reminder exists only from a few days
before its date, a calendar entry should be there from the start), asked with the same tenant and unit filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from piaops.calendarfeed.ics import Event, calendar
from piaops.core.reminders import Deadline, collect_deadlines, reminder_scope
from piaops.tenancy.models import User


def deadlines_for(user: User, *, today: dt.date) -> list[Deadline]:
    scope = reminder_scope(user)
    if scope is None:
        return []
    municipality_id, unit_ids = scope
    found = collect_deadlines(today=today, municipality_id=municipality_id, unit_ids=unit_ids)
    # The filter is pushed into every source; this guard keeps a faulty source from leaking another tenant's rows.
    return sorted((d for d in found if d.municipality_id == municipality_id), key=lambda d: (d.start, d.uid))


def feed_text(user: User, *, absolute: Callable[[str], str], now: dt.datetime | None = None) -> str:
    """The VCALENDAR of ``user``'s deadlines; ``absolute`` turns a path into the URL shown in each event."""
    now = now or timezone.now()
    events = [
        Event(
            uid=f"{d.uid}.m{d.municipality_id}@piaops",
            start=d.start,
            end=max(d.end or d.start, d.start),
            summary=d.summary,
            description=d.description,
            url=absolute(d.url) if d.url else "",
        )
        for d in deadlines_for(user, today=timezone.localdate(now))
    ]
    name = f"piaops 期限（{user.municipality.name if user.municipality else ''}）"
    return calendar(name=name, events=events, stamp=now)
