"""The home page: training deadlines counted (「研修の期限超過 N名」 from the day's compliance snapshot) next to the
same page building every per-person training reminder and listing the first 50 (what it did before issue 17),
for the admin (whole municipality) and the 所属長 of 税政課 (their units), measured alternately.

The admin's home at 2,000 / 5,000 / 15,000 people, against the goal (< 60 ms at 15,000), is in ``bench_dashboard``.
Sizes: ``BENCH_HOME_PEOPLE`` (default 2,000: the default demo; quick 100), ``BENCH_HOME_REPEAT`` (default 5).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Collection
from typing import Any

from bench.harness import Figure, database_url, interleaved, logged_in_client, scale, setup_django

TODAY = dt.date(2026, 11, 25)


def run() -> list[Figure]:
    setup_django(database_url("home"))
    import time_machine
    from django.core.management import call_command
    from django.urls import reverse

    from piaops.core import reminders, views
    from piaops.tenancy.models import User

    people = scale("BENCH_HOME_PEOPLE", 2000, 100)
    repeat = scale("BENCH_HOME_REPEAT", 5, 1)
    call_command("demo", people=people, today=TODAY.isoformat(), verbosity=0, stdout=open(os.devnull, "w"))
    home = reverse("home")

    def per_person(
        *, today: dt.date, municipality_id: int, unit_ids: Collection[int] | None = None
    ) -> tuple[list[reminders.Summary], list[reminders.Reminder]]:
        """The old page: every source's reminders, training's one per person × requirement."""
        return [], reminders.collect_all(today=today, municipality_id=municipality_id, unit_ids=unit_ids)

    figures: list[Figure] = []
    for username, role in (("demo-admin", "番号制度総括管理者"), ("demo-head", "所属長")):
        user = User.objects.get(username=username)
        client: Any = logged_in_client(user)

        def old_page(client: Any = client) -> None:
            original = views.collect_home
            views.collect_home = per_person  # type: ignore[assignment]
            try:
                client.get(home)
            finally:
                views.collect_home = original

        with time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False):
            summaries, shown = views.pending_reminders(user)
            response = client.get(home)
            assert response.status_code == 200 and response.content.count(b"<li") >= len(shown) + len(summaries)
            ours, baseline = interleaved([lambda c=client: c.get(home), old_page], repeat=repeat)
        lines = "、".join(f"{s.label} {s.count}{s.counter}" for s in summaries) or "研修の期限なし"
        figures.append(
            Figure(
                name=f"GET / as {username} ({role}; {people:,} people; {lines}; {len(shown)} other reminders)",
                ours=ours,
                baseline=baseline,
                baseline_name="same page building every per-person training reminder (before issue 17)",
                target="ours < baseline",
            )
        )
    return figures
