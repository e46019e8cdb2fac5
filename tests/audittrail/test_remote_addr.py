"""The audit trail records the client's address: behind a trusted proxy (``PIAOPS_TRUSTED_PROXIES``) the address the
proxy forwarded, from any other peer the peer itself — a forged ``X-Forwarded-For`` changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from piaops.audittrail.models import Action, AuditEntry
from piaops.incidents import services as incident_services
from piaops.incidents.models import Incident
from tests.api.conftest import ApiClient, TokenFor, token_for  # noqa: F401 (fixture)
from tests.conftest import World

PROXY, CLIENT, FORGED = "10.0.0.5", "203.0.113.7", "198.51.100.20"
GOOD = "correct-horse-battery"

# (peer, X-Forwarded-For as the proxy passes it on, the address the trail must record)
CASES = {
    # The client's own forged entry on the left; the proxy appended the real peer on the right.
    "behind the trusted proxy": (PROXY, f"{FORGED}, {CLIENT}", CLIENT),
    "straight from a client that forges the header": (CLIENT, FORGED, CLIENT),
    "behind the trusted proxy, no header": (PROXY, "", PROXY),
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request: pytest.FixtureRequest, settings: Any) -> tuple[Client, str]:
    settings.PIAOPS_TRUSTED_PROXIES = (PROXY,)
    peer, forwarded, recorded = CASES[request.param]
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return Client(REMOTE_ADDR=peer, **headers), recorded


def _last(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-seq").first()  # type: ignore[return-value]


def test_a_web_log_in_and_a_failed_one_record_the_client(world: World, case: tuple[Client, str]) -> None:
    client, recorded = case
    client.post("/login/", {"username": "admin_a", "password": "wrong-password"})
    assert client.post("/login/", {"username": "admin_a", "password": GOOD}).status_code == 302
    assert _last(Action.LOGIN_FAILED).remote_addr == recorded
    assert _last(Action.LOGIN).remote_addr == recorded


def test_a_change_on_the_pages_records_the_client(world: World, case: tuple[Client, str]) -> None:
    client, recorded = case
    incident = incident_services.incident_record(
        municipality=world.a, user=world.admin_a, title="誤送付", description="内容", detected_at=timezone.now()
    )
    client.force_login(world.admin_a)
    before = AuditEntry.objects.count()
    client.post(f"/incidents/{incident.pk}/note/", {"text": "本人へ連絡済み"})
    entries = {(e.actor_name, e.remote_addr) for e in AuditEntry.objects.order_by("seq")[before:]}
    assert entries == {("admin_a", recorded)}


def test_an_api_write_records_the_client(
    world: World,
    case: tuple[Client, str],
    token_for: TokenFor,  # noqa: F811
) -> None:
    client, recorded = case
    api: ApiClient = token_for(world.admin_a)
    api.client = client
    before = AuditEntry.objects.count()
    body = {"title": "誤送付", "description": "内容", "detected_at": "2026-04-01T09:00:00+09:00"}
    assert api.post("/incidents/incidents", body).status_code == 201
    assert Incident.objects.exists()
    entries = {(e.actor_name, e.remote_addr) for e in AuditEntry.objects.order_by("seq")[before:]}
    assert entries == {("admin_a（API）", recorded)}
