"""The audit trail records the client's address: behind a trusted proxy (``PIAOPS_TRUSTED_PROXIES``) the address the
proxy forwarded, from any other peer the peer itself — a forged ``X-Forwarded-For`` changes nothing. The proxy's own
address is kept alongside (shown on the audit page and in its CSV, and covered by the entry's hash)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from piaops.audittrail.models import Action, AuditEntry
from piaops.audittrail.services import verify_chain
from piaops.incidents import services as incident_services
from piaops.incidents.models import Incident
from tests.api.conftest import ApiClient, TokenFor, token_for  # noqa: F401 (fixture)
from tests.audittrail.helpers import drop_triggers, execute
from tests.conftest import World

PROXY, CLIENT, FORGED = "10.0.0.5", "203.0.113.7", "198.51.100.20"
GOOD = "correct-horse-battery"

# (peer, X-Forwarded-For as the proxy passes it on, the client address the trail must record, the proxy's)
CASES = {
    # The client's own forged entry on the left; the proxy appended the real peer on the right.
    "behind the trusted proxy": (PROXY, f"{FORGED}, {CLIENT}", CLIENT, PROXY),
    "straight from a client that forges the header": (CLIENT, FORGED, CLIENT, ""),
    "behind the trusted proxy, no header": (PROXY, "", PROXY, ""),
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request: pytest.FixtureRequest, settings: Any) -> tuple[Client, tuple[str, str]]:
    settings.PIAOPS_TRUSTED_PROXIES = (PROXY,)
    peer, forwarded, recorded, proxy = CASES[request.param]
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return Client(REMOTE_ADDR=peer, **headers), (recorded, proxy)


def _last(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-seq").first()  # type: ignore[return-value]


def _addrs(entry: AuditEntry) -> tuple[str, str]:
    return entry.remote_addr, entry.proxy_addr


def test_a_web_log_in_and_a_failed_one_record_the_client(world: World, case: tuple[Client, tuple[str, str]]) -> None:
    client, recorded = case
    client.post("/login/", {"username": "admin_a", "password": "wrong-password"})
    assert client.post("/login/", {"username": "admin_a", "password": GOOD}).status_code == 302
    assert _addrs(_last(Action.LOGIN_FAILED)) == recorded
    assert _addrs(_last(Action.LOGIN)) == recorded


def test_a_change_on_the_pages_records_the_client(world: World, case: tuple[Client, tuple[str, str]]) -> None:
    client, recorded = case
    incident = incident_services.incident_record(
        municipality=world.a, user=world.admin_a, title="誤送付", description="内容", detected_at=timezone.now()
    )
    client.force_login(world.admin_a)
    before = AuditEntry.objects.count()
    client.post(f"/incidents/{incident.pk}/note/", {"text": "本人へ連絡済み"})
    entries = {(e.actor_name, _addrs(e)) for e in AuditEntry.objects.order_by("seq")[before:]}
    assert entries == {("admin_a", recorded)}


def test_an_api_write_records_the_client(
    world: World,
    case: tuple[Client, tuple[str, str]],
    token_for: TokenFor,  # noqa: F811
) -> None:
    client, recorded = case
    api: ApiClient = token_for(world.admin_a)
    api.client = client
    before = AuditEntry.objects.count()
    body = {"title": "誤送付", "description": "内容", "detected_at": "2026-04-01T09:00:00+09:00"}
    assert api.post("/incidents/incidents", body).status_code == 201
    assert Incident.objects.exists()
    entries = {(e.actor_name, _addrs(e)) for e in AuditEntry.objects.order_by("seq")[before:]}
    assert entries == {("admin_a（API）", recorded)}


def test_the_audit_page_and_its_csv_show_the_client_and_the_proxy_and_the_chain_covers_both(
    world: World, settings: Any
) -> None:
    settings.PIAOPS_TRUSTED_PROXIES = (PROXY,)
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
    client.post("/login/", {"username": "admin_a", "password": "wrong-password"})
    entry = _last(Action.LOGIN_FAILED)
    viewer = Client()
    viewer.force_login(world.admin_a)
    page = viewer.get("/audit-log/", {"q": CLIENT}).content.decode()
    assert f"{CLIENT}（プロキシ {PROXY} 経由）" in page
    exported = viewer.get("/audit-log/export.csv", {"q": CLIENT})
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))  # type: ignore[attr-defined]
    assert rows[0][10:12] == ["接続元", "経由したプロキシ"]
    assert [r[10:12] for r in rows[1:]] == [[CLIENT, PROXY]]
    assert verify_chain(world.a.pk).ok
    # The proxy's address is part of what the hash covers: changing it is found like any other edit.
    drop_triggers()
    execute("UPDATE audittrail_auditentry SET proxy_addr = %s WHERE id = %s", ["10.9.9.9", entry.pk])
    result = verify_chain(world.a.pk)
    assert (result.ok, result.broken_seq) == (False, entry.seq)
