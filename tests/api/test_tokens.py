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
from piaops.api.models import ApiToken, RateWindow, Scope
from piaops.audittrail.models import AuditEntry
from piaops.tenancy import access
from piaops.tenancy.models import Role, RoleGrant, User
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


def _grants(token: ApiToken) -> list[tuple[str, int | None, str | None]]:
    return [(g.role, g.unit_id, g.unit.name if g.unit else None) for g in access.grants(token.user)]


def test_token_use_answers_as_the_lookup_and_counts_each_request_in_its_minute(world: World) -> None:
    """``token_use`` (one statement on PostgreSQL): the usable token with its user, municipality and grants, the
    request counted; nothing for a token that is unknown, revoked, expired, of an inactive user or of a user moved
    to another municipality, and then nothing counted."""
    head, raw = services.token_create(user=world.head_a, name="連携")
    RoleGrant.objects.create(municipality=world.a, user=world.head_a, role=Role.VIEWER)
    start = dt.datetime(2026, 11, 25, 10, 0, 5, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        used = services.token_use(raw)
        assert used is not None
        token, retry_after = used
        assert (token.pk, token.user.pk, token.user.municipality, retry_after) == (
            head.pk,
            world.head_a.pk,
            world.a,
            None,
        )
        assert _grants(token) == [(Role.UNIT_HEAD, world.tax_a.pk, world.tax_a.name), (Role.VIEWER, None, None)]
        assert token.last_used_at == start
        assert services.token_use(raw) is not None
    assert list(RateWindow.objects.filter(token=head).values_list("window_start", "count")) == [
        (start.replace(second=0), 2)
    ]
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        assert services.token_use(raw) is not None
    later = start.replace(second=0) + dt.timedelta(minutes=1)
    assert list(RateWindow.objects.filter(token=head).values_list("window_start", "count")) == [(later, 1)]
    no_grants = User.objects.create_user(username="no_grants", municipality=world.a)
    _token, bare = services.token_create(user=no_grants, name="連携")
    used = services.token_use(bare)
    assert used is not None and _grants(used[0]) == []

    def refused(raw: str) -> None:
        before = RateWindow.objects.count()
        assert services.token_use(raw) is None
        assert RateWindow.objects.count() == before

    refused("piaops_unknown")
    _token, expiring = services.token_create(
        user=world.viewer_a, name="期限", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        refused(expiring)
    _revoked, raw_revoked = services.token_create(user=world.auditor_a, name="失効")
    services.token_revoke(token=_revoked)
    refused(raw_revoked)
    User.objects.filter(pk=world.viewer_a.pk).update(is_active=False)
    _token, inactive = services.token_create(user=world.viewer_a, name="無効")
    refused(inactive)
    User.objects.filter(pk=world.head_a.pk).update(municipality=world.b)
    refused(raw)


def test_an_api_request_spends_one_statement_on_its_token_on_postgresql(world: World, token_for: TokenFor) -> None:
    """Token, rate count, ``last_used_at``, tenant and grants in one round trip: no statement of their own."""
    api = token_for(world.head_a)
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/tenancy/units").status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    tables = ("api_apitoken", "api_ratewindow", "tenancy_rolegrant")
    on_token = [s for s in sql if any(t in s for t in tables)]
    if connection.vendor == "postgresql":
        assert len(on_token) == 1 and on_token[0].lstrip().startswith("WITH")
        # The tenant: set by that statement, reset after the request; no statement of its own before the view.
        assert [s for s in sql if "set_config" in s] == [on_token[0], sql[-1]]
    else:  # the lookup, the rate count (and its window's insert), the grants
        assert len(on_token) >= 3
