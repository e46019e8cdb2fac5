"""Japanese first; English on request through the switcher."""

from __future__ import annotations

from django.test import Client

from tests.conftest import World


def test_the_switcher_turns_the_login_page_english_and_back(db: None) -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    body = client.get("/login/").content.decode()
    assert '<html lang="en">' in body
    assert '<label for="id_username">User name</label>' in body
    assert '<label for="id_password">Password</label>' in body
    assert ">Log in</button>" in body and "ログイン" not in body
    client.post("/i18n/setlang/", {"language": "ja", "next": "/login/"})
    body = client.get("/login/").content.decode()
    assert '<label for="id_username">ユーザー名</label>' in body


def test_the_home_page_and_chrome_are_translated(world: World) -> None:
    client = Client()
    client.force_login(world.admin_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert "Your roles" in body and "Log out" in body and "Skip to content" in body
    assert "あなたの役割" not in body


def test_a_browser_set_to_english_still_gets_japanese(db: None) -> None:
    body = Client(headers={"accept-language": "en-US,en;q=0.9"}).get("/login/").content.decode()
    assert '<html lang="ja">' in body and "ユーザー名" in body


def test_an_unknown_language_cookie_falls_back_to_japanese(db: None) -> None:
    client = Client()
    client.cookies["django_language"] = "fr"
    assert '<html lang="ja">' in client.get("/login/").content.decode()


def test_every_string_in_the_english_catalogue_is_translated() -> None:
    """A string marked for translation but left empty shows Japanese in the English UI: name each one."""
    from pathlib import Path

    import piaops

    po = Path(piaops.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
    lines = po.read_text(encoding="utf-8").splitlines()
    untranslated = [
        lines[n - 1]
        for n, line in enumerate(lines)
        if line == 'msgstr ""'
        and lines[n - 1] != 'msgid ""'  # the header
        and not (n + 1 < len(lines) and lines[n + 1].startswith('"'))  # a multi-line translation
    ]
    assert untranslated == []


def test_the_menu_names_secure_areas_in_english(world: World) -> None:
    client = Client()
    client.force_login(world.admin_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert "Secure areas" in body and "管理区域" not in body
