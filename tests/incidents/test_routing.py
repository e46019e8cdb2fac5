"""Every branch of the responsibility routing decision table."""

from __future__ import annotations

import pytest

from piaops.incidents import routing, services
from piaops.incidents.models import Cause, Incident, IncidentEvent
from piaops.tenancy.models import Party
from tests.conftest import World


@pytest.mark.parametrize(
    ("cause", "kind", "words"),
    [
        (Cause.GOVERNMENT_CLOUD, Party.Kind.GOVERNMENT_CLOUD, "国（デジタル庁）が、クラウドサービス事業者との契約"),
        (Cause.ASP, Party.Kind.ASP, "ASPが、当団体との契約"),
        (Cause.OPERATOR, Party.Kind.GOV_CLOUD_OPERATOR, "運用管理補助者が、当団体との契約"),
        (Cause.MUNICIPALITY, Party.Kind.MUNICIPALITY, "当団体が自ら"),
    ],
)
def test_a_known_cause_routes_to_the_party_that_must_act(
    world: World, parties: dict[str, Party], leak: Incident, cause: str, kind: str, words: str
) -> None:
    incident = services.incident_route(
        incident=leak, user=world.admin_a, cause=cause, rationale="調査の結果", contract_clause="保守契約 第12条"
    )
    assert incident.routed_party == parties[kind]
    assert incident.consultation_required is False
    assert incident.contract_clause == "保守契約 第12条"
    event = incident.events.get(kind=IncidentEvent.Kind.ROUTING)
    assert words in event.text and "調査の結果" in event.text


@pytest.mark.parametrize("cause", [Cause.UNKNOWN, Cause.DISPUTED])
def test_an_unknown_or_disputed_cause_requires_a_consultation(
    world: World, parties: dict[str, Party], leak: Incident, cause: str
) -> None:
    incident = services.incident_route(incident=leak, user=world.admin_a, cause=cause, rationale="不明")
    assert incident.consultation_required is True
    assert incident.routed_party is None
    assert "協議" in routing.decide(cause).responsibility


def test_a_consultation_settles_the_route_by_the_agreed_cause(
    world: World, parties: dict[str, Party], leak: Incident
) -> None:
    import datetime as dt

    services.incident_route(incident=leak, user=world.admin_a, cause=Cause.DISPUTED, rationale="見解が分かれる")
    leak.refresh_from_db()
    consultation = services.consultation_record(
        incident=leak,
        user=world.admin_a,
        held_on=dt.date(2026, 11, 10),
        participants="札幌市、デジタル庁、ASP",
        record_text="ログを突き合わせた",
        agreed_cause=Cause.OPERATOR,
        outcome="運用管理補助者の設定誤りと合意",
    )
    leak.refresh_from_db()
    assert consultation.agreed_cause == Cause.OPERATOR
    assert leak.consultation_required is False
    assert leak.routed_party == parties[Party.Kind.GOV_CLOUD_OPERATOR]
    assert "2026-11-10の協議による" in leak.routing_rationale


def test_routing_needs_the_party_to_be_registered(world: World, leak: Incident) -> None:
    with pytest.raises(services.IncidentError, match="ASP"):
        services.incident_route(incident=leak, user=world.admin_a, cause=Cause.ASP, rationale="調査の結果")


def test_routing_needs_a_rationale(world: World, parties: dict[str, Party], leak: Incident) -> None:
    with pytest.raises(services.IncidentError, match="理由"):
        services.incident_route(incident=leak, user=world.admin_a, cause=Cause.ASP, rationale=" ")


def test_an_undetermined_cause_has_no_route() -> None:
    with pytest.raises(ValueError):
        routing.decide(Cause.UNDETERMINED)
    assert set(routing.ROUTING_TABLE) == set(Cause.values) - {Cause.UNDETERMINED}
