from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from piaops.core.reminders import Reminder, collect_all, reminder_scope
from piaops.tenancy import access

log = logging.getLogger(__name__)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: what the user can reach, and (later issues) what awaits them."""
    user = request.user
    return render(
        request,
        "core/home.html",
        {
            "roles": sorted(access.roles(user)),
            "can_manage": access.has_perm_somewhere(user, access.Perm.MANAGE),
            "reminders": pending_reminders(user),
        },
    )


def pending_reminders(user: object) -> list[Reminder]:
    """Due reminders of the user's municipality: all of them for the admin, else those of the user's units.

    Only the user's tenant (and units) is asked for: each source pushes the filter into its queries.
    """
    scope = reminder_scope(user)
    if scope is None:
        return []
    municipality_id, unit_ids = scope
    try:
        mine = collect_all(today=timezone.localdate(), municipality_id=municipality_id, unit_ids=unit_ids)
    except Exception:  # a broken reminder source must not take the start page down; `piaops remind` will fail loudly
        log.exception("collecting reminders for the home page failed")
        return []
    return sorted(mine, key=lambda r: (not r.overdue, r.subject))[:50]
