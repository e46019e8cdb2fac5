"""``count_up``: every addition counts, the first one creates the row, each answers the count its own addition made.

Both ways of adding are run on whichever database the suite uses: one ``UPDATE ... RETURNING`` (PostgreSQL, SQLite
≥ 3.35) and the update followed by a read inside one transaction (a database without ``RETURNING``). Concurrent
callers are proven in ``tests/trust/test_races.py`` (PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from piaops.accounts.models import IpFailureWindow
from piaops.lib import counters
from piaops.lib.counters import count_up

pytestmark = pytest.mark.django_db

WINDOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("returning", [True, False], ids=["update-returning", "update-then-read"])
def test_each_addition_counts_and_answers_its_own_count(returning: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not returning:
        monkeypatch.setattr(counters, "_has_update_returning", lambda _connection: False)
    assert counters._has_update_returning(connection) == returning  # the suite's databases have RETURNING
    key = {"scope": "api", "addr": "203.0.113.7", "window_start": WINDOW}
    other = key | {"addr": "203.0.113.8"}

    assert [count_up(IpFailureWindow, **key) for _ in range(3)] == [(1, True), (2, False), (3, False)]
    assert count_up(IpFailureWindow, **other) == (1, True)  # its own row, counted apart
    assert IpFailureWindow.objects.get(**key).count == 3
    assert IpFailureWindow.objects.get(**other).count == 1
