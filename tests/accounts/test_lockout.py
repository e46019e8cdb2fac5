from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from piaops.accounts.services import LOCKED_MESSAGE
from piaops.audittrail.models import Action, AuditEntry
from tests.conftest import World

T0 = dt.datetime(2026, 6, 1, 9, 0, 0, tzinfo=dt.UTC)
GOOD = "correct-horse-battery"


def _try(username: str, password: str) -> tuple[int, str]:
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code, response.content.decode()


def _fail(username: str, times: int) -> None:
    for _ in range(times):
        assert _try(username, "wrong-password")[0] == 200


def test_four_failures_do_not_lock(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        _fail("head_a", 4)
        assert _try("head_a", GOOD)[0] == 302


def test_the_fifth_failure_locks_even_the_right_password(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        _fail("head_a", 4)
        status, body = _try("head_a", "wrong-password")
        assert LOCKED_MESSAGE in body
        status, body = _try("head_a", GOOD)
        assert status == 200 and LOCKED_MESSAGE in body


def test_the_lock_ends_after_fifteen_minutes(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        _fail("head_a", 5)
    with time_machine.travel(T0 + dt.timedelta(minutes=14, seconds=59), tick=False):
        assert LOCKED_MESSAGE in _try("head_a", GOOD)[1]
    with time_machine.travel(T0 + dt.timedelta(minutes=15), tick=False):
        assert _try("head_a", GOOD)[0] == 302


def test_failures_spread_over_more_than_the_window_do_not_lock(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        _fail("head_a", 1)
    with time_machine.travel(T0 + dt.timedelta(minutes=15, seconds=1), tick=False):
        _fail("head_a", 4)
        assert _try("head_a", GOOD)[0] == 302


def test_a_success_resets_the_count(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        _fail("head_a", 4)
        assert _try("head_a", GOOD)[0] == 302
        _fail("head_a", 4)
        assert _try("head_a", GOOD)[0] == 302


def test_the_message_does_not_tell_whether_the_user_exists(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        _fail("head_a", 5)
        _fail("nobody_here", 5)
        known = _try("head_a", GOOD)[1]
        unknown = _try("nobody_here", GOOD)[1]
    assert LOCKED_MESSAGE in known and LOCKED_MESSAGE in unknown
    assert "head_a" not in LOCKED_MESSAGE and "存在" not in LOCKED_MESSAGE


def test_the_lock_counts_per_user_name_case_blind(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        _fail("HEAD_A", 5)
        assert LOCKED_MESSAGE in _try("head_a", GOOD)[1]
        assert _try("viewer_a", GOOD)[0] == 302


def test_refused_attempts_while_locked_are_in_the_audit_trail(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        _fail("head_a", 5)
        _try("head_a", GOOD)
    entries = AuditEntry.objects.for_municipality(world.a).filter(action=Action.LOGIN_FAILED)
    assert entries.count() == 6
    locked = entries.get(summary="ロック中のため拒否")
    assert locked.object_repr == "head_a" and locked.object_id == str(world.head_a.pk)
    assert not AuditEntry.objects.filter(action=Action.LOGIN).exists()


def test_the_admin_site_login_counts_and_honours_the_same_lock(world: World) -> None:
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            Client().post("/django-admin/login/", {"username": "head_a", "password": "wrong-password"})
        response = Client().post("/django-admin/login/", {"username": "head_a", "password": GOOD})
        assert LOCKED_MESSAGE in response.content.decode()
        assert LOCKED_MESSAGE in _try("head_a", GOOD)[1]
