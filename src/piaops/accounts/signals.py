"""What a log-in, a failed log-in and a log-out do besides Django's own work (Django announces them as signals):
every log-in starts unverified (second factor pending) with fresh idle and absolute clocks, and all three go to the
audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from piaops.accounts.session import AUTH_AT, OTP_FAILURES, OTP_VERIFIED, SEEN_AT, now_seconds
from piaops.audittrail.context import request_actor
from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.tenancy.models import User


@receiver(user_logged_in)
def _start_session(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(OTP_VERIFIED, None)
    request.session.pop(OTP_FAILURES, None)
    request.session[AUTH_AT] = request.session[SEEN_AT] = now_seconds()


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    actor = request_actor(request, user=user, name=user.get_username())
    record(action=Action.LOGIN, municipality_id=user.municipality_id, obj=user, actor=actor)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    actor = request_actor(request, user=user, name=user.get_username())
    record(action=Action.LOGOUT, municipality_id=user.municipality_id, obj=user, actor=actor)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    known = User.objects.filter(username=username).only("pk", "municipality_id").first()
    actor = request_actor(request, user=None, name=username)
    record(
        action=Action.LOGIN_FAILED,
        municipality_id=getattr(known, "municipality_id", None),
        object_type="tenancy.User",
        object_id=str(known.pk) if known else "",
        object_repr=username,
        actor=actor,
    )
