"""The dashboard of a large tenant: ``GET /reports/`` as the demo admin, next to the home page (a trivial page
through the same middleware, session and template chrome), and its query count at two organisation sizes.

Sizes from the environment: ``BENCH_DASHBOARD_PEOPLE`` (default 1,500; Sapporo size is 15,000: the demo build
then takes several minutes), ``BENCH_DASHBOARD_EXTRA_UNITS`` (default 200 units added for the second count),
``BENCH_DASHBOARD_REPEAT`` (default 5), ``BENCH_DASHBOARD_DATABASE_URL`` (a throw-away PostgreSQL database;
default a fresh SQLite file).
"""

from __future__ import annotations

import datetime as dt
import os

from bench.harness import Figure, median_seconds, setup_django

TODAY = dt.date(2026, 11, 25)


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _queries(client: object, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)  # type: ignore[attr-defined]
        assert response.status_code == 200, response.status_code
    return len(ctx)


def run() -> list[Figure]:
    setup_django(os.environ.get("BENCH_DASHBOARD_DATABASE_URL"))
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from piaops.tenancy.models import OrgUnit, User

    people = _env("BENCH_DASHBOARD_PEOPLE", 1500)
    repeat = _env("BENCH_DASHBOARD_REPEAT", 5)
    call_command("demo", people=people, today=TODAY.isoformat(), verbosity=0)
    admin = User.objects.get(username="demo-admin")
    client = Client(SERVER_NAME="localhost")  # in ALLOWED_HOSTS by default
    client.force_login(admin)
    dashboard, home = reverse("reports:index"), reverse("home")
    units_before = OrgUnit.objects.filter(municipality_id=admin.municipality_id).count()
    queries_before = _queries(client, dashboard)
    root = OrgUnit.objects.filter(municipality_id=admin.municipality_id, parent__isnull=True).first()
    for i in range(_env("BENCH_DASHBOARD_EXTRA_UNITS", 200)):
        unit = OrgUnit.objects.create(
            municipality_id=admin.municipality_id, name=f"ベンチ課{i}", code=f"BZ{i:04d}", parent=root
        )
        unit.path = f"{root.path if root else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
    units_after = OrgUnit.objects.filter(municipality_id=admin.municipality_id).count()
    queries_after = _queries(client, dashboard)
    return [
        Figure(
            name=(
                f"GET /reports/ ({people:,} people; {queries_before} queries with {units_before} units, "
                f"{queries_after} with {units_after})"
            ),
            ours=median_seconds(lambda: client.get(dashboard), repeat=repeat),
            baseline=median_seconds(lambda: client.get(home), repeat=repeat),
            baseline_name="GET / (home page)",
            target="queries equal at both sizes",
        )
    ]
