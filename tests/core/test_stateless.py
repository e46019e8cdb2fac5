"""Issue 20 §1: no state in a node's memory. Sessions, the cache, the log-in throttling counters and the locks live in
the database (the throttling counters: ``accounts.IpFailureWindow``; the locks: PostgreSQL advisory locks, proven by
``tests/core/test_health.py::test_a_lock_held_by_another_process_is_refused_until_it_is_released``), so any node
answers any request (the multi-node proof kills a node under load and the users carry on:
``tests/multinode/test_multinode.py::test_killing_node_a_under_load_loses_no_answer``)."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.engine_independent


def test_sessions_and_every_cache_are_in_the_database() -> None:
    assert settings.SESSION_ENGINE in {
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    }
    for alias, cache in settings.CACHES.items():
        assert cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache", alias
