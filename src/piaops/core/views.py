from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from piaops.core.reminders import Reminder, Summary, collect_home, reminder_scope
from piaops.tenancy import access

log = logging.getLogger(__name__)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: what the user can reach, and what awaits them (counted where it grows with the head count)."""
    user = request.user
    summaries, reminders = pending_reminders(user)
    return render(
        request,
        "core/home.html",
        {
            "roles": sorted(access.roles(user)),
            # The grants the permission checks read (with their units and parties): listed without asking again.
            "grants": access.grants(user),
            "can_manage": access.has_perm_somewhere(user, access.Perm.MANAGE),
            "summaries": summaries,
            "groups": group_reminders(reminders),
        },
    )


HOME_REMINDERS = 50  # links listed in one group; its count is the whole number
_OBJECT = re.compile(r"[（(][^（）()]*[）)]$")  # the trailing （税政課）/（期限 …） that names the object


@dataclass
class ReminderGroup:
    """Reminders of one kind (their subject without the object named at its end), counted: the admin home shows
    「【自己点検】提出期限を過ぎています 12件」 and the twelve links inside a disclosure, not twelve lines."""

    label: str
    overdue: bool
    items: list[Reminder] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def shown(self) -> list[Reminder]:
        return self.items[:HOME_REMINDERS]


def group_reminders(reminders: list[Reminder]) -> list[ReminderGroup]:
    """The reminders by kind, overdue kinds first, in the order of their first reminder."""
    groups: dict[tuple[bool, str], ReminderGroup] = {}
    for r in reminders:
        label = _OBJECT.sub("", r.subject).strip() or r.subject
        group = groups.setdefault((r.overdue, label), ReminderGroup(label, r.overdue))
        group.items.append(r)
    return sorted(groups.values(), key=lambda g: not g.overdue)


def pending_reminders(user: access.Requester) -> tuple[list[Summary], list[Reminder]]:
    """Counted lines and due reminders of the user's municipality: all of it for the admin, else the user's units.

    Only the user's tenant (and units) is asked for: each source pushes the filter into its queries.
    """
    scope = reminder_scope(user)
    if scope is None:
        return [], []
    municipality_id, unit_ids = scope
    try:
        summaries, mine = collect_home(today=timezone.localdate(), municipality_id=municipality_id, unit_ids=unit_ids)
    except Exception:  # a broken reminder source must not take the start page down; `piaops remind` will fail loudly
        log.exception("collecting reminders for the home page failed")
        return [], []
    return summaries, sorted(mine, key=lambda r: (not r.overdue, r.subject))
