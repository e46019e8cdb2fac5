"""Named transitions, their preconditions, the timeline, optimistic locking and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest

from piaops.audittrail.models import Action, AuditEntry
from piaops.incidents import services
from piaops.incidents.models import Cause, Incident, Status
from piaops.tenancy.models import Party
from tests.conftest import World


def test_recording_an_incident_starts_its_timeline_and_audit_trail(world: World, leak: Incident) -> None:
    assert leak.status == Status.REPORTED
    assert [e.to_status for e in leak.events.all()] == [Status.REPORTED]
    entry = AuditEntry.objects.get(object_type="incidents.Incident", object_id=str(leak.pk), action=Action.CREATE)
    assert entry.municipality_id == world.a.pk and entry.after["title"] == "通知書の誤送付"


def test_transitions_follow_the_lifecycle(world: World, parties: dict[str, Party], leak: Incident) -> None:
    assert [t.name for t in services.available_transitions(leak)] == ["start_investigation", "contain"]
    leak = services.incident_transition(incident=leak, user=world.admin_a, name="start_investigation", note="調査開始")
    with pytest.raises(services.IncidentError, match="できません"):
        services.incident_transition(incident=leak, user=world.admin_a, name="start_investigation")
    leak = services.incident_transition(incident=leak, user=world.admin_a, name="contain")
    history = [(e.from_status, e.to_status) for e in leak.events.filter(kind="status")]
    assert history == [
        ("", Status.REPORTED),
        (Status.REPORTED, Status.INVESTIGATING),
        (Status.INVESTIGATING, Status.CONTAINED),
    ]
    assert AuditEntry.objects.filter(object_id=str(leak.pk), action=Action.TRANSITION).count() == 2


def test_closing_needs_a_route_and_the_final_ppc_report(
    world: World, parties: dict[str, Party], leak: Incident
) -> None:
    leak = services.incident_transition(incident=leak, user=world.admin_a, name="contain")
    with pytest.raises(services.IncidentError, match="対応する主体"):
        services.incident_transition(incident=leak, user=world.admin_a, name="close")
    services.incident_route(incident=leak, user=world.admin_a, cause=Cause.DISPUTED, rationale="見解が分かれる")
    with pytest.raises(services.IncidentError, match="対応する主体"):
        services.incident_transition(incident=leak, user=world.admin_a, name="close")
    services.incident_route(incident=leak, user=world.admin_a, cause=Cause.ASP, rationale="ASPの設定誤り")
    with pytest.raises(services.IncidentError, match="確報"):
        services.incident_transition(incident=leak, user=world.admin_a, name="close")
    services.ppc_report_record(incident=leak, user=world.admin_a, kind="prompt", reported_on=dt.date(2026, 11, 5))
    services.ppc_report_record(incident=leak, user=world.admin_a, kind="final", reported_on=dt.date(2026, 11, 30))
    leak = services.incident_transition(incident=leak, user=world.admin_a, name="close")
    assert leak.status == Status.CLOSED
    assert not Incident.objects.for_municipality(world.a).open().exists()


def test_a_stale_version_is_refused_and_nothing_is_overwritten(world: World, leak: Incident) -> None:
    loaded_version = leak.version
    services.incident_update(incident=leak, user=world.admin_a, expected_version=loaded_version, people_affected=15)
    with pytest.raises(services.ConflictError, match="他の利用者"):
        services.incident_update(incident=leak, user=world.head_a, expected_version=loaded_version, people_affected=3)
    leak.refresh_from_db()
    assert leak.people_affected == 15


def test_a_note_with_a_my_number_is_refused(world: World, leak: Incident) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.incident_add_note(incident=leak, user=world.admin_a, text="対象者 1234 5678 9018 に連絡")
    assert leak.events.filter(kind="note").count() == 0
