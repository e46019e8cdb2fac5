"""The dashboard and the admin's home page of a Sapporo-size tenant at three head counts (default 2,000, 5,000 and
15,000 people, 5 年度 of history; quick mode 60/120/180): time per request and number of queries, next to a page
through the same middleware, session and template chrome without data (the account page), measured alternately
in the same run.

Each page twice: *warm* (the day's compliance snapshot is stored: every request but the first of the day or after
a write) and *cold* (the snapshot dropped before each request: the compliance statement runs). Goals (issue 17):
the home page < 60 ms single client at 15,000 people; the dashboard is measured under load by ``bench.load``
(p95 < 150 ms); here its single-client figure, and that the number of queries is the same at every size and the
warm cost does not grow with the head count. Queries are counted per request on every database connection, warm
and cold (``bench.harness.count_queries``; a count of 0 stops the bench: it once printed 0 for ``/reports/`` at
every size because Django's query log, full after building the demo under DEBUG, stopped growing).

Sizes: ``BENCH_DASHBOARD_PEOPLE`` (comma-separated), ``BENCH_DASHBOARD_YEARS`` (5), ``BENCH_DASHBOARD_REPEAT``
(5). Each size builds the demo in a database of its own (``bench.harness.database_url``), in a child process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from typing import Any

from bench.harness import (
    Figure,
    count_queries,
    database_url,
    growth,
    interleaved,
    logged_in_client,
    quick,
    scale,
    setup_django,
)

TODAY = dt.date(2026, 11, 25)


def _queries(client: Any, url: str) -> int:
    """The queries of one request, on every connection (``bench.harness.count_queries``); never 0: a page that
    reads its data runs some, so 0 means the count is broken, not that the page is free."""

    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    count = count_queries(get)
    assert count > 0, f"{url}: 0 queries counted: the query capture is broken"
    return count


def measure(people: int) -> dict[str, Any]:
    """Build the demo at ``people`` and measure; the child process's work."""
    setup_django(database_url(f"dashboard_{people}"))
    import time_machine
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from piaops.tenancy.models import OrgUnit, Person, User
    from piaops.training.models import Record

    years = scale("BENCH_DASHBOARD_YEARS", 5, 2)
    repeat = scale("BENCH_DASHBOARD_REPEAT", 5, 1)
    started = time.perf_counter()
    call_command("demo", people=people, years=years, today=TODAY.isoformat(), verbosity=0, stdout=open(os.devnull, "w"))
    built = time.perf_counter() - started
    admin = User.objects.get(username="demo-admin")
    m = admin.municipality_id
    result: dict[str, Any] = {
        "people": Person.objects.filter(municipality_id=m).count(),
        "records": Record.objects.filter(municipality_id=m).count(),
        "units": OrgUnit.objects.filter(municipality_id=m).count(),
        "years": years,
        "built": built,
        "vendor": connection.vendor,
    }
    client = logged_in_client(admin)
    chrome = reverse("accounts:index")

    def drop() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM training_compliancesnapshot")

    with time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False):
        for label, url in (("dashboard", reverse("reports:index")), ("home", reverse("home"))):
            drop()
            cold_queries = _queries(client, url)
            warm_queries = _queries(client, url)
            warm, base = interleaved([lambda u=url: client.get(u), lambda: client.get(chrome)], repeat=repeat)
            (cold,) = interleaved([lambda u=url: client.get(u)], repeat=repeat, setup=drop)
            result[label] = {"warm": warm, "cold": cold, "chrome": base, "queries": [warm_queries, cold_queries]}
    return result


def run() -> list[Figure]:
    default = "60,120,180" if quick() else "2000,5000,15000"
    sizes = [int(n) for n in os.environ.get("BENCH_DASHBOARD_PEOPLE", default).split(",")]
    results = []
    for people in sizes:
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_dashboard", str(people)], capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise SystemExit(
                f"bench_dashboard at {people} people failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
            )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    figures: list[Figure] = []
    goals = {"dashboard": "p95 < 150 ms under 20 users (bench.load)", "home": "< 60 ms at 15,000 people"}
    for r in results:
        print(
            f"  demo: {r['people']:,} people, {r['records']:,} training records, {r['units']} units, "
            f"{r['years']} 年度, {r['vendor']}, built in {r['built']:.0f} s",
            flush=True,
        )
        for page, path in (("dashboard", "/reports/"), ("home", "/ as the admin")):
            p = r[page]
            for state in ("warm", "cold"):
                figures.append(
                    Figure(
                        name=f"GET {path} {state} ({r['people']:,} people): {p['queries'][state == 'cold']} queries",
                        ours=p[state],
                        baseline=p["chrome"],
                        baseline_name="GET /accounts/ (same chrome, no data)",
                        target=goals[page] if state == "warm" else "first request of the day or after a write",
                    )
                )
    for page in ("dashboard", "home"):
        counts = {tuple(r[page]["queries"]) for r in results}
        print(
            f"  {page}: queries (warm, cold) {'equal' if len(counts) == 1 else 'DIFFER'} at every size "
            f"{sorted(counts)}; warm: {growth([(r['people'], r[page]['warm']) for r in results], 'people')}; "
            f"cold: {growth([(r['people'], r[page]['cold']) for r in results], 'people')}",
            flush=True,
        )
        assert len(counts) == 1, f"{page}: the number of queries grows with the head count: {counts}"
    return figures


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]))), flush=True)
