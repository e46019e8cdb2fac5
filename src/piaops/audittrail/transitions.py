"""The one way to record a state change: the subject's history row and its audit entry, from the same actor."""

from __future__ import annotations

from typing import Any, Protocol

from django.db import models
from django.utils import timezone

from piaops.audittrail.context import Actor, current_actor
from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.tenancy.models import TransitionEvent, User


class Transitional(Protocol):
    """A model with a ``status`` and a history (a ``TransitionEvent`` subclass with ``related_name="events"``)."""

    pk: Any
    municipality_id: int
    status: str
    events: Any
    _meta: Any


def actor_for(by: User | None) -> Actor:
    """The actor of a change made by ``by``: the request's or command's own actor when it is ``by`` (its client
    and proxy addresses kept), else ``by`` named on its own (the system when ``by`` is None)."""
    current = current_actor()
    current_pk = getattr(current.user, "pk", None)
    if (by is None and current_pk is None) or (by is not None and current_pk == by.pk):
        return current
    name = by.get_username() if by is not None else "system"
    return Actor(user=by, name=name, remote_addr=current.remote_addr, proxy_addr=current.proxy_addr)


def _label(statuses: type[models.TextChoices], value: str) -> str:
    return str(statuses(value).label) if value else "—"


def record_transition(
    subject: Transitional,
    *,
    to: str,
    by: User | None,
    note: str = "",
    summary: str = "",
    extra: dict[str, Any] | None = None,
    initial: bool = False,
) -> TransitionEvent:
    """Move ``subject`` to the status ``to``, write its history row and one audit entry, both naming ``by``.

    The caller saves ``subject`` (in the same transaction). ``summary`` defaults to
    「<対象>の状態: <前> → <後>」; ``extra`` is added to the entry's ``after``. With ``initial`` the subject is new
    and has no status before this one (the history row's ``from_status`` is empty).
    """
    before = "" if initial else subject.status
    subject.status = to
    event: TransitionEvent = subject.events.create(
        municipality_id=subject.municipality_id,
        from_status=before,
        to_status=to,
        at=timezone.now(),
        by=by,
        note=note,
    )
    statuses = type(event).statuses
    record(
        action=Action.TRANSITION,
        municipality_id=subject.municipality_id,
        obj=subject,  # type: ignore[arg-type]
        summary=summary or f"{subject._meta.verbose_name}の状態: {_label(statuses, before)} → {_label(statuses, to)}",
        before={"status": before} if before else None,
        after={"status": to, "note": note, **(extra or {})},
        actor=actor_for(by),
    )
    return event
