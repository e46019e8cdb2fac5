from __future__ import annotations

import logging

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
            "can_manage": access.has_perm_somewhere(user, access.Perm.MANAGE),
            "summaries": summaries,
            "reminders": reminders,
        },
    )


HOME_REMINDERS = 50


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
    return summaries, sorted(mine, key=lambda r: (not r.overdue, r.subject))[:HOME_REMINDERS]
