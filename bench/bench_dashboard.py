"""The dashboard of a Sapporo-size tenant: ``GET /reports/`` as the demo admin, time per request and number of
queries at two organisation sizes (the demo's units, then with extra units), next to a baseline page through the
same middleware, session and template chrome (the account page) measured in the same run.

Sizes from the environment: ``BENCH_DASHBOARD_PEOPLE`` (default 15,000: Sapporo size, as issue 8 asks),
``BENCH_DASHBOARD_YEARS`` (default 5 年度 of history), ``BENCH_DASHBOARD_EXTRA_UNITS`` (default 200 units added for
the second measurement), ``BENCH_DASHBOARD_REPEAT`` (default 5), ``BENCH_DASHBOARD_DATABASE_URL`` (a throw-away
PostgreSQL database; default a fresh SQLite file). The demo build time is printed too (it is part of the cost of
running this bench; it bulk-creates people, assignments and training records).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from bench.harness import Figure, logged_in_client, median_seconds, setup_django

TODAY = dt.date(2026, 11, 25)


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    return len(ctx)


def run() -> list[Figure]:
    setup_django(os.environ.get("BENCH_DASHBOARD_DATABASE_URL"))
    import time_machine
    from django.core.management import call_command
    from django.urls import reverse

    from piaops.tenancy.models import OrgUnit, Person, User
    from piaops.training.models import Record

    people = _env("BENCH_DASHBOARD_PEOPLE", 15000)
    years = _env("BENCH_DASHBOARD_YEARS", 5)
    repeat = _env("BENCH_DASHBOARD_REPEAT", 5)
    started = time.perf_counter()
    call_command("demo", people=people, years=years, today=TODAY.isoformat(), verbosity=0, stdout=open(os.devnull, "w"))
    built = time.perf_counter() - started
    admin = User.objects.get(username="demo-admin")
    assert admin.municipality_id is not None
    m: int = admin.municipality_id
    print(
        f"  demo: {Person.objects.filter(municipality_id=m).count():,} people, "
        f"{Record.objects.filter(municipality_id=m).count():,} training records, {years} 年度, built in {built:.1f} s",
        flush=True,
    )
    client = logged_in_client(admin)
    dashboard, baseline_url = reverse("reports:index"), reverse("accounts:index")
    figures: list[Figure] = []
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False):

        def measure(label: str) -> None:
            units = OrgUnit.objects.filter(municipality_id=m).count()
            queries = _queries(client, dashboard)
            figures.append(
                Figure(
                    name=f"GET /reports/ ({people:,} people, {years} 年度, {units} units): {queries} queries",
                    ours=median_seconds(lambda: client.get(dashboard), repeat=repeat),
                    baseline=median_seconds(lambda: client.get(baseline_url), repeat=repeat),
                    baseline_name="GET /accounts/ (same chrome, no data)",
                    target=label,
                )
            )

        measure("queries equal at both unit counts")
        root = OrgUnit.objects.filter(municipality_id=m, parent__isnull=True).order_by("pk").first()
        for i in range(_env("BENCH_DASHBOARD_EXTRA_UNITS", 200)):
            unit = OrgUnit.objects.create(municipality_id=m, name=f"ベンチ課{i}", code=f"BZ{i:04d}", parent=root)
            unit.path = f"{root.path if root else '/'}{unit.pk}/"
            unit.save(update_fields=["path"])
        measure("queries equal at both unit counts")
    return figures
