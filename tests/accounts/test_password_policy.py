"""Weak passwords are refused with Japanese reasons, wherever a password is set (the user-creation page, the
password-change page): one character or a short run repeated, a common password, the user's own name. Django's
validators do the work (``AUTH_PASSWORD_VALIDATORS``), with ``piaops.accounts.passwords`` for repetition."""

from __future__ import annotations

import pytest
from django.test import Client

from piaops.tenancy.models import User
from tests.conftest import World
from tests.tenancy.test_user_pages import user_data

WEAK = [
    ("aaaaaaaaaaaa", "同じ文字や短い並びの繰り返し"),
    ("ああああああああああ", "同じ文字や短い並びの繰り返し"),
    ("abcabcabcabc", "同じ文字や短い並びの繰り返し"),
    ("1212121212ab", "同じ文字や短い並びの繰り返し"),
    ("password1234", "一般的すぎます"),
    ("qwertyuiop", "一般的すぎます"),
    ("tanaka-2026!", "ユーザー名を含める"),
    ("tanaka@example.jp", "と似すぎています"),
]


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_the_user_creation_page_refuses_a_weak_password_with_its_reason(
    as_admin: Client, world: World, password: str, reason: str
) -> None:
    response = as_admin.post("/tenancy/users/new/", user_data(password=password, password_confirm=password))
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not User.objects.filter(username="tanaka").exists()


@pytest.mark.parametrize(
    ("password", "reason"), [*(w for w in WEAK if "tanaka" not in w[0]), ("Head_A-kita-2026", "ユーザー名を含める")]
)
def test_the_password_change_refuses_a_weak_password_with_its_reason(
    world: World, as_head: Client, password: str, reason: str
) -> None:
    response = as_head.post(
        "/accounts/password/",
        {"old_password": "correct-horse-battery", "new_password1": password, "new_password2": password},
    )
    assert reason in response.content.decode()
    world.head_a.refresh_from_db()
    assert world.head_a.check_password("correct-horse-battery")


def test_a_strong_password_is_accepted(as_admin: Client, world: World) -> None:
    assert as_admin.post("/tenancy/users/new/", user_data()).status_code == 302
