from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from piaops.audittrail.models import Action, AuditEntry
from tests.conftest import World

T0 = dt.datetime(2026, 6, 1, 9, 0, 0, tzinfo=dt.UTC)


def _logged_in(username: str) -> Client:
    client = Client()
    assert client.post("/login/", {"username": username, "password": "correct-horse-battery"}).status_code == 302
    return client


def test_an_idle_session_ends_after_thirty_minutes(world: World) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        client = _logged_in("head_a")
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=30, seconds=1))
        response = client.get("/tenancy/")
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=/tenancy/")
        assert client.get("/").status_code == 302


def test_an_active_session_still_ends_after_its_absolute_lifetime(world: World) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        client = _logged_in("head_a")
        for _ in range(8 * 3):
            traveller.shift(dt.timedelta(minutes=20))
            assert client.get("/").status_code == 200
        traveller.shift(dt.timedelta(minutes=20))
        assert client.get("/").status_code == 302


def test_the_password_change_refuses_a_short_password_in_japanese(world: World, as_head: Client) -> None:
    response = as_head.post(
        "/accounts/password/",
        {"old_password": "correct-horse-battery", "new_password1": "short1", "new_password2": "short1"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "短すぎます" in body and "10 文字以上" in body


def test_the_password_change_needs_the_old_password(world: World, as_head: Client) -> None:
    response = as_head.post(
        "/accounts/password/",
        {
            "old_password": "not-the-old-one",
            "new_password1": "Tsukisamu-2026-kita",
            "new_password2": "Tsukisamu-2026-kita",
        },
    )
    assert "元のパスワードが間違っています" in response.content.decode()
    world.head_a.refresh_from_db()
    assert world.head_a.check_password("correct-horse-battery")


def test_a_password_change_keeps_the_session_and_is_audited(world: World, as_head: Client) -> None:
    response = as_head.post(
        "/accounts/password/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "Tsukisamu-2026-kita",
            "new_password2": "Tsukisamu-2026-kita",
        },
    )
    assert response.status_code == 302
    assert as_head.get("/").status_code == 200
    world.head_a.refresh_from_db()
    assert world.head_a.check_password("Tsukisamu-2026-kita")
    entry = AuditEntry.objects.for_municipality(world.a).get(summary="パスワードを変更")
    assert entry.action == Action.UPDATE and entry.object_id == str(world.head_a.pk)
    assert "Tsukisamu" not in str(entry.before) + str(entry.after)


def test_the_account_pages_need_a_login(db: None) -> None:
    for url in ["/accounts/", "/accounts/password/", "/accounts/otp/setup/"]:
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
