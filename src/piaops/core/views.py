from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from piaops.core.reminders import Reminder, collect_all
from piaops.tenancy import access
from piaops.tenancy.models import OrgUnit

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
    """Due reminders of the user's municipality: all of them for the admin, else those of the user's units."""
    municipality_id = getattr(user, "municipality_id", None)
    if municipality_id is None:
        return []
    try:
        due = collect_all(today=timezone.localdate())
    except Exception:  # a broken reminder source must not take the start page down; `piaops remind` will fail loudly
        log.exception("collecting reminders for the home page failed")
        return []
    mine = [r for r in due if r.municipality_id == municipality_id]
    if not access.has_perm_somewhere(user, access.Perm.MANAGE):
        grant_paths = [g.unit.path for g in access.grants(user) if g.role in access.UNIT_ROLES and g.unit is not None]
        paths = dict(OrgUnit.objects.filter(pk__in={r.unit_id for r in mine}).values_list("pk", "path"))
        mine = [r for r in mine if any(paths.get(r.unit_id or 0, "").startswith(p) for p in grant_paths)]
    return sorted(mine, key=lambda r: (not r.overdue, r.subject))[:50]
