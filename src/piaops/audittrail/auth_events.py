"""Log-ins, failed log-ins and log-outs go to the audit trail. Django only announces them as signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from piaops.audittrail.context import request_actor
from piaops.audittrail.models import Action
from piaops.audittrail.services import record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    actor = request_actor(request, user=user, name=user.get_username())
    record(action=Action.LOGIN, municipality_id=user.municipality_id, obj=user, actor=actor)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    actor = request_actor(request, user=user, name=user.get_username())
    record(action=Action.LOGOUT, municipality_id=user.municipality_id, obj=user, actor=actor)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    from django.contrib.auth import get_user_model

    username = str(credentials.get("username", ""))[:150]
    known = get_user_model().objects.filter(username=username).only("pk", "municipality_id").first()
    actor = request_actor(request, user=None, name=username)
    record(
        action=Action.LOGIN_FAILED,
        municipality_id=getattr(known, "municipality_id", None),
        object_type="tenancy.User",
        object_id=str(known.pk) if known else "",
        object_repr=username,
        actor=actor,
    )
