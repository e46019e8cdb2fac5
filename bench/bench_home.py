"""The home page: its reminders are collected for the user's tenant (and a unit role's units) only, next to the
same page when the reminders of *every* tenant are collected and then filtered (what the page did before).

Two users of the demo: the admin (whole municipality: the gain is what the other tenants cost, small here since
the second demo tenant is tiny; it grows with the number of tenants) and the 所属長 of 税政課 (the unit filter
reaches training's compliance SQL, which then computes only the people of their units).

Sizes from the environment: ``BENCH_HOME_PEOPLE`` (default 2,000: the default demo), ``BENCH_HOME_REPEAT``
(default 5), ``BENCH_HOME_DATABASE_URL`` (a throw-away PostgreSQL database; default a fresh SQLite file).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection
from typing import Any

from bench.harness import Figure, logged_in_client, median_seconds, setup_django

TODAY = dt.date(2026, 11, 25)


def run() -> list[Figure]:
    setup_django(os.environ.get("BENCH_HOME_DATABASE_URL"))
    import time_machine
    from django.core.management import call_command
    from django.urls import reverse

    from piaops.core import reminders, views
    from piaops.tenancy.models import Municipality, User

    people = int(os.environ.get("BENCH_HOME_PEOPLE", 2000))
    repeat = int(os.environ.get("BENCH_HOME_REPEAT", 5))
    call_command("demo", people=people, today=TODAY.isoformat(), verbosity=0, stdout=open(os.devnull, "w"))
    tenants = Municipality.objects.count()
    home = reverse("home")

    def every_tenant(
        *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
    ) -> list[reminders.Reminder]:
        """The old page: every tenant's reminders, then kept by municipality (and unit) in Python."""
        wanted = None if unit_ids is None else set(unit_ids)
        found = reminders.collect_all(today=today)
        return [r for r in found if r.municipality_id == municipality_id and (wanted is None or r.unit_id in wanted)]

    figures: list[Figure] = []
    for username, role in (("demo-admin", "番号制度総括管理者"), ("demo-head", "所属長")):
        user = User.objects.get(username=username)
        client: Any = logged_in_client(user)

        def old_page(client: Any = client) -> None:
            original = views.collect_all
            views.collect_all = every_tenant
            try:
                client.get(home)
            finally:
                views.collect_all = original

        with time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False):
            shown = len(views.pending_reminders(user))
            response = client.get(home)
            assert response.status_code == 200 and response.content.count(b"<li") >= shown, response
            ours = median_seconds(lambda: client.get(home), repeat=repeat)  # noqa: B023 (called right here)
            baseline = median_seconds(old_page, repeat=repeat)
        figures.append(
            Figure(
                name=f"GET / as {username} ({role}; {people:,} people, {tenants} tenants, {shown} reminders shown)",
                ours=ours,
                baseline=baseline,
                baseline_name="same page collecting every tenant's reminders, then filtering",
            )
        )
    return figures
