from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from piaops.tenancy import access


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: what the user can reach, and (later issues) what awaits them."""
    user = request.user
    return render(
        request,
        "core/home.html",
        {"roles": sorted(access.roles(user)), "can_manage": access.has_perm_somewhere(user, access.Perm.MANAGE)},
    )
