"""Per-IP throttling: one address that keeps failing to log in (or to authenticate to the API) gets 429 for a while."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from piaops.accounts import throttle
from piaops.accounts.models import IpFailureWindow
from tests.api.conftest import TokenFor, token_for  # noqa: F401 (fixture)
from tests.conftest import World

GOOD = "correct-horse-battery"
ATTACKER, NEIGHBOUR = "203.0.113.7", "198.51.100.20"


@pytest.fixture
def limits(settings: Any) -> None:
    settings.PIAOPS_LOGIN_IP_FAILURES = 3
    settings.PIAOPS_API_IP_FAILURES = 4


def _login(username: str, password: str, addr: str) -> Any:
    return Client(REMOTE_ADDR=addr).post("/login/", {"username": username, "password": password})


def test_an_address_that_keeps_failing_gets_429_in_japanese_even_with_the_right_password(
    world: World, limits: None
) -> None:
    for name in ("head_a", "viewer_a", "nobody"):  # several accounts: the per-name lockout never triggers
        assert _login(name, "wrong-password", ATTACKER).status_code == 200
    response = _login("head_a", GOOD, ATTACKER)
    assert response.status_code == 429
    assert "ログインの失敗が続いた" in response.content.decode() and int(response["Retry-After"]) > 0


def test_another_address_and_the_log_in_page_itself_stay_usable(world: World, limits: None) -> None:
    for _ in range(3):
        _login("nobody", "wrong-password", ATTACKER)
    assert _login("head_a", GOOD, NEIGHBOUR).status_code == 302
    assert Client(REMOTE_ADDR=ATTACKER).get("/login/").status_code == 200


def test_successful_log_ins_are_not_counted(world: World, limits: None) -> None:
    for _ in range(5):
        assert _login("head_a", GOOD, ATTACKER).status_code == 302


def test_the_django_admin_log_in_is_throttled_too(world: World, limits: None) -> None:
    client = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(3):
        assert client.post("/django-admin/login/", {"username": "x", "password": "y"}).status_code == 200
    assert client.post("/django-admin/login/", {"username": "x", "password": "y"}).status_code == 429


def test_the_count_is_shared_by_every_worker_process(world: World, limits: None) -> None:
    """The counter is a row of the database, not in one process's memory: another gunicorn worker reads it there."""
    for _ in range(3):
        _login("nobody", "wrong-password", ATTACKER)
    stored = IpFailureWindow.objects.get(scope="login", addr=ATTACKER)
    assert stored.count == 3 == throttle.failures("login", ATTACKER)


def test_past_windows_are_deleted_when_a_new_one_starts(world: World) -> None:
    start = 1_800_000_000.0 - 1_800_000_000.0 % 900
    throttle.failure("login", ATTACKER, now=start + 10)
    throttle.failure("api", NEIGHBOUR, now=start + 10)
    assert throttle.failure("login", ATTACKER, now=start + 900 + 1) == 1
    assert list(IpFailureWindow.objects.values_list("scope", "addr", "count")) == [("login", ATTACKER, 1)]


def test_failures_of_a_past_window_do_not_count(world: World, limits: None) -> None:
    start = 1_800_000_000.0 - 1_800_000_000.0 % 900
    for _ in range(3):
        throttle.failure("login", ATTACKER, now=start + 10)
    assert throttle.retry_after("login", ATTACKER, 3, now=start + 20) is not None
    assert throttle.retry_after("login", ATTACKER, 3, now=start + 900 + 1) is None


def test_the_api_answers_429_in_its_error_format_after_repeated_bad_tokens(
    world: World,
    limits: None,
    token_for: TokenFor,  # noqa: F811
) -> None:
    bad = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(4):
        assert bad.get("/api/v1/tenancy/units", headers={"Authorization": "Bearer guessed"}).status_code == 401
    good = token_for(world.admin_a)
    good.client = Client(REMOTE_ADDR=ATTACKER)
    response = good.get("/tenancy/units")
    assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"
    assert "認証の失敗が続いた" in response.json()["error"]["message"] and response["Retry-After"]
    neighbour = token_for(world.admin_a)
    neighbour.client = Client(REMOTE_ADDR=NEIGHBOUR)
    assert neighbour.get("/tenancy/units").status_code == 200


def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(world: World, limits: None, settings: Any) -> None:
    settings.PIAOPS_TRUSTED_PROXIES = ("127.0.0.1",)
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for _ in range(3):
        # The client's own forged entry on the left is ignored: the proxy appended the real address on the right.
        forwarded = {"X-Forwarded-For": f"{NEIGHBOUR}, {ATTACKER}"}
        proxy.post("/login/", {"username": "nobody", "password": "x"}, headers=forwarded)
    blocked = proxy.post("/login/", {"username": "head_a", "password": GOOD}, headers={"X-Forwarded-For": ATTACKER})
    assert blocked.status_code == 429
    other = proxy.post("/login/", {"username": "head_a", "password": GOOD}, headers={"X-Forwarded-For": NEIGHBOUR})
    assert other.status_code == 302
