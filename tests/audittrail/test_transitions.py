"""``record_transition`` writes a subject's history row and its audit entry from ONE actor (``actor_for(by)``): the
row's ``by`` and the entry's actor always agree. A request's or command's own actor is kept with its client and
proxy addresses; a different ``by`` is named on its own (the addresses of the request it runs in are kept); no
``by`` is the system. One row per case, with an audit (監査) as the subject."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from piaops.audits.models import Audit, AuditEvent, AuditStatus
from piaops.audittrail.context import SYSTEM, Actor, acting_as
from piaops.audittrail.models import Action, AuditEntry
from piaops.audittrail.transitions import actor_for, record_transition
from piaops.tenancy.models import User
from tests.audits.helpers import approved_audit
from tests.conftest import World

CLIENT, PROXY = "203.0.113.7", "10.0.0.5"


@dataclass(frozen=True)
class Case:
    name: str
    acting: Callable[[World], Actor]  # the ambient actor: the request's, a command's, or the system
    by: Callable[[World], User | None]
    user: Callable[[World], User | None]  # who the row and the entry must name
    actor_name: Callable[[World], str]
    addrs: tuple[str, str]  # (client, proxy) the entry must record


def _request(user: Callable[[World], User]) -> Callable[[World], Actor]:
    return lambda w: Actor(user=user(w), name=user(w).get_username(), remote_addr=CLIENT, proxy_addr=PROXY)


def _auditor(w: World) -> User:
    return w.auditor_a


def _admin(w: World) -> User:
    return w.admin_a


CASES = [
    Case(
        "a request by the same user keeps its addresses",
        _request(_auditor),
        _auditor,
        _auditor,
        lambda w: w.auditor_a.get_username(),
        (CLIENT, PROXY),
    ),
    Case(
        "a CLI command (the system) with no user",
        lambda w: SYSTEM,
        lambda w: None,
        lambda w: None,
        lambda w: "system",
        ("", ""),
    ),
    Case(
        "a command acting as a named user",
        lambda w: Actor(user=w.admin_a, name="piaops remind"),
        _admin,
        _admin,
        lambda w: "piaops remind",
        ("", ""),
    ),
    Case(
        "a by other than the request's user is named, the request's addresses kept",
        _request(_admin),
        _auditor,
        _auditor,
        lambda w: w.auditor_a.get_username(),
        (CLIENT, PROXY),
    ),
    Case(
        "no by inside a request is the system, the request's addresses kept",
        _request(_admin),
        lambda w: None,
        lambda w: None,
        lambda w: "system",
        (CLIENT, PROXY),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_history_row_and_the_audit_entry_name_the_same_actor(world: World, case: Case) -> None:
    audit: Audit = approved_audit(world)
    by, user = case.by(world), case.user(world)
    with acting_as(case.acting(world)):
        actor = actor_for(by)
        event = record_transition(audit, to=AuditStatus.IN_PROGRESS, by=by, note="開始")  # type: ignore[arg-type]
        audit.save(update_fields=["status"])
    assert (actor.user, actor.name, actor.remote_addr, actor.proxy_addr) == (
        user,
        case.actor_name(world),
        *case.addrs,
    )
    entry = AuditEntry.objects.filter(action=Action.TRANSITION, object_id=str(audit.pk)).order_by("-seq").first()
    assert entry is not None
    assert isinstance(event, AuditEvent) and event.audit_id == audit.pk
    assert event.by == user and entry.actor == user, "the row's by and the entry's actor agree"
    assert entry.actor_name == case.actor_name(world)
    assert (entry.remote_addr, entry.proxy_addr) == case.addrs
    assert (event.from_status, event.to_status, event.note) == (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS, "開始")
    assert entry.summary == "監査の状態: 予定 → 実施中"
    assert entry.before == {"status": AuditStatus.PLANNED}
    assert entry.after == {"status": AuditStatus.IN_PROGRESS, "note": "開始"}
    audit.refresh_from_db()
    assert audit.status == AuditStatus.IN_PROGRESS


def test_an_initial_transition_has_no_status_before(world: World) -> None:
    audit = approved_audit(world)
    event = record_transition(audit, to=AuditStatus.PLANNED, by=world.admin_a, initial=True)  # type: ignore[arg-type]
    entry = AuditEntry.objects.filter(action=Action.TRANSITION, object_id=str(audit.pk)).order_by("-seq").first()
    assert entry is not None
    assert event.from_status == "" and entry.before is None
    assert entry.summary == "監査の状態: — → 予定"
