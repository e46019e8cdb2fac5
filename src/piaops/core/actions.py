"""One way for a small POST view to run its action: the form validated, the service called, the outcome a message.

A view per action (issue 15 W3) keeps each view short; what they share is here, so that a refused action always
reads the same: every invalid field and every reason the service gives (``ValidationError``) becomes a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest


def say_errors(request: HttpRequest, errors: ValidationError | BaseForm) -> None:
    """Show a refused action's reasons as messages: a service's ``ValidationError`` or an invalid form's errors."""
    if isinstance(errors, ValidationError):
        found = list(errors.messages)
    else:
        found = [str(m) for field_errors in errors.errors.values() for m in field_errors]
    for msg in found:
        messages.error(request, msg)


def apply_action(
    request: HttpRequest,
    form: BaseForm,
    act: Callable[[dict[str, Any]], object],
    *,
    success: str = "保存しました。",
) -> bool:
    """Validate ``form``; when valid, run ``act(form.cleaned_data)`` and show ``success``. An invalid form or a
    ``ValidationError`` from ``act`` becomes messages (nothing changed). True when the action ran."""
    if not form.is_valid():
        say_errors(request, form)
        return False
    try:
        act(form.cleaned_data)
    except ValidationError as exc:
        say_errors(request, exc)
        return False
    messages.success(request, success)
    return True
