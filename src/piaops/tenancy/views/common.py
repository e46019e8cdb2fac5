"""What every tenancy page shares: the acting user and municipality, and the body of a create/edit page.

Every view is thin: it checks access (``tenant_view`` for a page that names no object, ``tenant_object`` for one
that does), validates a form, calls one service and redirects; a service's ``ValidationError`` goes back onto the
form.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.forms import attach_errors
from piaops.tenancy.models import Municipality, User

T = TypeVar("T")


def acting(request: HttpRequest) -> tuple[User, Municipality]:
    """The logged-in user and their municipality (404 without one)."""
    user: User = request.user  # type: ignore[assignment]
    return user, access.municipality_of(user)


def can_manage(user: User) -> bool:
    return access.has_perm_somewhere(user, Perm.MANAGE)


def editable(obj: T) -> T:
    """A copy for a ModelForm to write into, so the service still sees the stored values (for the audit 'before')."""
    return copy.copy(obj)


def form_page(
    request: HttpRequest,
    form: BaseForm,
    *,
    save: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], tuple[str, str]],
    title: str,
    back_url: str,
    **context: Any,
) -> HttpResponse:
    """The body of every create/edit page here: on a valid POST, ``save(cleaned_data)`` (one service call) and
    redirect to ``done(result)``'s URL with its message; a service's ``ValidationError`` goes back onto the form;
    otherwise ``tenancy/form.html``."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            url, message = done(result)
            messages.success(request, message)
            return redirect(url)
    return render(request, "tenancy/form.html", {"form": form, "title": title, "back_url": back_url, **context})
