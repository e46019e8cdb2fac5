"""Japanese only: no switcher, no way to another language, whatever the browser or a cookie asks."""

from __future__ import annotations

from django.test import Client

from tests.conftest import World


def test_there_is_no_language_switcher(world: World) -> None:
    client = Client()
    client.force_login(world.admin_a)
    body = client.get("/").content.decode()
    assert "set_language" not in body and 'name="language"' not in body and "English" not in body
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 404


def test_a_browser_set_to_english_gets_japanese(db: None) -> None:
    response = Client(headers={"accept-language": "en-US,en;q=0.9"}).get("/login/")
    body = response.content.decode()
    assert '<html lang="ja">' in body and '<label for="id_username">ユーザー名</label>' in body
    assert "User name" not in body


def test_a_left_over_language_cookie_changes_nothing(world: World) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(world.admin_a)
    body = client.get("/").content.decode()
    assert '<html lang="ja">' in body and "ログアウト" in body and "Log out" not in body


def test_djangos_own_messages_are_japanese_too(db: None) -> None:
    """A wrong password on the log-in form: Django's message, in Japanese even for an English browser."""
    client = Client(headers={"accept-language": "en"})
    body = client.post("/login/", {"username": "nobody", "password": "wrong-password"}).content.decode()
    assert "正しいユーザー名とパスワードを入力してください" in body
