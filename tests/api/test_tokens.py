"""Token lifecycle: shown once, hashed at rest, revocable, expiring, scoped; create/revoke in the audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from piaops.api import services
from piaops.api.models import ApiToken, Scope
from piaops.audittrail.models import AuditEntry
from tests.api.conftest import ApiClient, TokenFor
from tests.conftest import World


def test_the_page_shows_a_new_token_once_and_stores_only_its_hash(world: World, as_admin: Client) -> None:
    response = as_admin.post("/api/tokens/", {"name": "人事システム連携", "scope": "read"})
    assert response.status_code == 200
    raw = response.context["raw"]
    assert raw and raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=world.admin_a)
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert not ApiToken.objects.filter(digest__contains=raw).exists()
    again = as_admin.get("/api/tokens/")
    assert raw not in again.content.decode()
    assert "人事システム連携" in again.content.decode()
    assert ApiClient(raw).get("/tenancy/municipality").status_code == 200


def test_a_revoked_token_answers_401_and_both_steps_are_audited(world: World, as_admin: Client) -> None:
    token, raw = services.token_create(user=world.admin_a, name="連携", scope=Scope.READ)
    api = ApiClient(raw)
    assert api.get("/tenancy/municipality").status_code == 200
    response = as_admin.post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    refused = api.get("/tenancy/municipality")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    summaries = list(
        AuditEntry.objects.filter(object_type="api.ApiToken").order_by("seq").values_list("summary", flat=True)
    )
    assert summaries == ["APIトークンを作成", "APIトークンを失効"]


def test_a_user_cannot_revoke_someone_elses_token(world: World, as_viewer: Client, as_outsider: Client) -> None:
    token, _raw = services.token_create(user=world.admin_a, name="連携")
    # Same municipality: 403 (tenant_object: 404 outside the municipality, then 403); another one: 404.
    assert as_viewer.post(f"/api/tokens/{token.pk}/revoke/").status_code == 403
    assert as_outsider.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    # The one row rule: a user sees their own tokens only, an administrator included.
    assert list(ApiToken.objects.visible_to(world.admin_a)) == [token]
    assert not ApiToken.objects.visible_to(world.viewer_a).exists()
    assert not ApiToken.objects.visible_to(world.user_b).exists()


def test_an_expired_token_answers_401(world: World) -> None:
    _token, raw = services.token_create(
        user=world.admin_a, name="期限つき", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert ApiClient(raw).get("/tenancy/municipality").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        assert ApiClient(raw).get("/tenancy/municipality").status_code == 401


def test_an_unknown_or_missing_token_answers_401(world: World) -> None:
    assert ApiClient("piaops_not-a-token").get("/tenancy/units").status_code == 401
    response = Client().get("/api/v1/tenancy/units")
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("有効なAPIトークン")


def test_use_stamps_last_used(world: World) -> None:
    token, raw = services.token_create(user=world.admin_a, name="連携")
    assert token.last_used_at is None
    ApiClient(raw).get("/tenancy/units")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_used_is_accurate_to_a_minute_and_not_written_by_every_request(world: World, as_admin: Client) -> None:
    """The token page's「最終利用日時」moves on first use and once more than a minute has passed; the requests in
    between write nothing to the token (a read request then writes only its rate-limit count)."""
    token, raw = services.token_create(user=world.admin_a, name="連携")
    api = ApiClient(raw)
    first = dt.datetime(2026, 11, 25, 10, 0, 5, tzinfo=dt.UTC)
    with time_machine.travel(first, tick=False):
        assert api.get("/tenancy/municipality").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first

    with time_machine.travel(first + dt.timedelta(seconds=59), tick=False):
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/tenancy/municipality").status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "api_apitoken"')]
    token.refresh_from_db()
    assert token.last_used_at == first

    later = first + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert api.get("/tenancy/municipality").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == later
    assert "2026-11-25 19:01" in as_admin.get("/api/tokens/").content.decode()  # the token page, in Asia/Tokyo


def test_stamping_last_used_is_not_in_the_audit_trail(world: World) -> None:
    """Using a token is not a change of it: the trail holds its creation only, however often it is used."""
    _token, raw = services.token_create(user=world.admin_a, name="連携")
    api = ApiClient(raw)
    start = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
    for minutes in (0, 0, 2):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert api.get("/tenancy/municipality").status_code == 200
    summaries = list(AuditEntry.objects.filter(object_type="api.ApiToken").values_list("summary", flat=True))
    assert summaries == ["APIトークンを作成"]


def test_a_read_token_cannot_write_even_for_an_admin(world: World, token_for: TokenFor) -> None:
    api = token_for(world.admin_a, scope=Scope.READ)
    response = api.post(
        "/incidents/incidents", {"title": "件名", "description": "内容", "detected_at": "2026-04-01T09:00:00+09:00"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert "読み取り専用" in response.json()["error"]["message"]
