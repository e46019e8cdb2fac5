from __future__ import annotations

from django.test import Client

from piaops.audittrail.models import Action, AuditEntry
from tests.conftest import World


def test_it_shows_a_japanese_login_page(db: None) -> None:
    response = Client().get("/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="ja">' in body
    assert "ログイン" in body and "パスワード" in body


def test_it_sends_anonymous_users_to_login(db: None) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_and_failed_login_are_in_the_audit_trail(world: World) -> None:
    client = Client()
    client.post("/login/", {"username": "admin_a", "password": "wrong-password"})
    client.post("/login/", {"username": "admin_a", "password": "correct-horse-battery"})
    actions = list(AuditEntry.objects.for_municipality(world.a).order_by("seq").values_list("action", flat=True))
    assert actions == [Action.LOGIN_FAILED, Action.LOGIN]


def test_home_shows_the_users_roles_and_fiscal_year(world: World) -> None:
    client = Client()
    client.force_login(world.head_a)
    body = client.get("/").content.decode()
    assert "所属長（税政課）" in body
    assert "年度" in body
