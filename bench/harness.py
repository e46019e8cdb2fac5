"""The shared pieces of every benchmark: timing, Django set-up on a throw-away database, and the report line."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    name: str
    ours: float  # seconds (median)
    baseline: float  # seconds (median)
    baseline_name: str
    unit_count: int = 0  # rows, items... processed per run, for a throughput column
    target: str = ""  # e.g. "ours ≤ 2× baseline"

    def line(self) -> str:
        ratio = self.ours / self.baseline if self.baseline else float("inf")
        rate = ""
        if self.unit_count:
            rate = f"  ({self.unit_count / self.ours:,.0f}/s vs {self.unit_count / self.baseline:,.0f}/s)"
        target = f"  target: {self.target}" if self.target else ""
        return (
            f"{self.name}: {self.ours * 1000:,.1f} ms   baseline ({self.baseline_name}): "
            f"{self.baseline * 1000:,.1f} ms   ratio {ratio:.2f}×{rate}{target}"
        )


def median_seconds(fn: Callable[[], object], *, repeat: int = 5, setup: Callable[[], object] | None = None) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs; ``setup`` runs untimed before each."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def setup_django(database_url: str | None = None) -> None:
    """Configure Django on a fresh SQLite file (or ``database_url``) and migrate it."""
    os.environ.setdefault("PIAOPS_DEBUG", "1")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.setdefault("PIAOPS_VAR_DIR", tempfile.mkdtemp(prefix="piaops-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "piaops.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def logged_in_client(user: Any) -> Any:
    """A Django test client logged in as ``user`` with the second factor done (as ``tests/conftest.py`` does):
    without it an admin's every page redirects to the TOTP step and the bench would time the redirect."""
    from django.test import Client

    from piaops.accounts.session import OTP_VERIFIED

    client = Client(SERVER_NAME="localhost")  # in ALLOWED_HOSTS by default
    client.force_login(user)
    session = client.session
    session[OTP_VERIFIED] = user.pk
    session.save()
    return client
