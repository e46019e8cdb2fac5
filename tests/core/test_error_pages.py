"""A 個人番号 typed or caught by mistake is never echoed by a page."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from piaops.audittrail.models import AuditEntry
from tests.conftest import World
from tests.core.urls_failing import NUMBER

FORMS_OF_NUMBER = [
    NUMBER,
    "1234-5678-9018",
    "1234 5678 9018",
    "１２３４５６７８９０１８",
    "１２３４－５６７８－９０１８",
]


@pytest.mark.parametrize("typed", ["123456789018", "1234-5678-9018", "１２３４－５６７８－９０１８"])
def test_a_login_with_a_my_number_as_user_name_is_refused_without_echoing_it(world: World, typed: str) -> None:
    response = Client().post("/login/", {"username": typed, "password": "anything"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "「ユーザー名」に個人番号と思われる12桁の数字が含まれています。" in body
    assert not any(form in body for form in FORMS_OF_NUMBER)
    # Refused before authentication: nothing about it in the audit trail either.
    assert not AuditEntry.objects.exists()


def test_a_failed_login_keeps_an_ordinary_user_name_in_the_form(world: World) -> None:
    body = Client().post("/login/", {"username": "admin_a", "password": "wrong"}).content.decode()
    assert 'value="admin_a"' in body


@pytest.mark.urls("tests.core.urls_failing")
def test_a_server_error_page_does_not_echo_the_number(db: None, caplog: pytest.LogCaptureFixture) -> None:
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        response = client.get("/failing/", {"q": "1234-5678-9018"})
    assert response.status_code == 500
    body = response.content.decode()
    assert "システムエラー" in body
    assert not any(form in body for form in FORMS_OF_NUMBER)
    assert "Internal Server Error: /failing/" in caplog.text
    assert "ValueError: could not process" in caplog.text  # the traceback is logged…
    assert not any(form in caplog.text for form in FORMS_OF_NUMBER)  # …masked


def test_not_found_and_forbidden_pages_are_in_japanese(world: World, as_viewer: Client) -> None:
    response = as_viewer.get(f"/no-such-page-{NUMBER}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "お探しのページは見つかりませんでした。" in body
    assert NUMBER not in body


def test_the_admin_login_refuses_a_my_number_without_echoing_it(world: World) -> None:
    response = Client().post("/django-admin/login/", {"username": "1234 5678 9018", "password": "x"})
    body = response.content.decode()
    assert "個人番号と思われる12桁の数字が含まれています。" in body
    assert not any(form in body for form in FORMS_OF_NUMBER)


STYLESHEET = 'href="/static/piaops/app.css"'


def test_a_forbidden_page_is_japanese_and_styled(world: World, as_viewer: Client) -> None:
    response = as_viewer.get("/audit-log/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "<h1>権限がありません</h1>" in body and STYLESHEET in body and '<html lang="ja">' in body


def test_a_form_sent_without_a_valid_csrf_token_gets_a_japanese_page(world: World) -> None:
    """The usual cause: a log-in form left open while the session changed. Django's English page never shows."""
    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "admin_a", "password": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "<h1>操作を受け付けられませんでした</h1>" in body and "再読み込み" in body
    assert STYLESHEET in body and "CSRF verification failed" not in body and "Forbidden" not in body


def test_a_request_for_an_unknown_host_gets_a_japanese_page(db: None) -> None:
    response = Client(raise_request_exception=False, HTTP_HOST="evil.example").get("/login/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "<h1>要求を処理できません</h1>" in body and STYLESHEET in body and "Bad Request" not in body


@pytest.mark.urls("tests.core.urls_failing")
def test_the_server_error_page_is_styled(db: None) -> None:
    body = Client(raise_request_exception=False).get("/failing/").content.decode()
    assert "<h1>システムエラー</h1>" in body and STYLESHEET in body and '<html lang="ja">' in body
