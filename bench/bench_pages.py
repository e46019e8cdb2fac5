"""The pages of the load test for one user: the checklist answer page , the self-inspection
list and the dashboard, as the demo admin on the demo data, each as CPU time next to a trivial page through the same
middleware, session and template chrome (the account page) measured in the same run.

Sizes from the environment: ``BENCH_PAGES_PEOPLE`` (default 2,000, the demo's default), ``BENCH_PAGES_REPEAT``
(default 20). ``BENCH_PAGES_PROFILE=DIR`` also writes a pyinstrument profile (HTML) of one request of each page
into DIR (``pip install pyinstrument``; not a dependency of the project).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from pathlib import Path
from typing import Any

from bench.harness import Figure, logged_in_client, scale, setup_django

TODAY = dt.date(2026, 11, 25)


def median_cpu_seconds(fn: Any, *, repeat: int) -> float:
    """Median CPU time of the process over ``repeat`` calls of ``fn``: the test client and SQLite run in this
    process, so this is the request's whole cost, and unlike wall time it does not move when the machine is shared."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def _profile(client: Any, name: str, fn: Any) -> None:
    out = os.environ.get("BENCH_PAGES_PROFILE")
    if not out:
        return
    from pyinstrument import Profiler

    fn()  # warm
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(5):
            fn()
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / f"{name}.txt").write_text(profiler.output_text(unicode=True, show_all=True), encoding="utf-8")


def run() -> list[Figure]:
    setup_django()
    import time_machine
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from piaops.selfcheck.models import Checklist
    from piaops.tenancy.models import User

    people = scale("BENCH_PAGES_PEOPLE", 2000, 100)
    repeat = scale("BENCH_PAGES_REPEAT", 20, 1)
    call_command("demo", people=people, today=TODAY.isoformat(), verbosity=0, stdout=open(os.devnull, "w"))
    admin = User.objects.get(username="demo-admin")
    client = logged_in_client(admin)
    checklist = (
        Checklist.objects.filter(municipality_id=admin.municipality_id, campaign__status="launched")
        .exclude(status="submitted")
        .order_by("pk")
        .first()
    )
    assert checklist is not None, "the demo has no open checklist"
    items = checklist.answers.count()
    url = reverse("selfcheck:checklist", args=[checklist.pk])
    baseline_url = reverse("accounts:index")
    figures: list[Figure] = []
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False):

        def get(path: str) -> Any:
            def fn() -> None:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            return fn

        pages = [
            (f"GET checklist page ({items} items)", "checklist", get(url)),
            ("GET /selfcheck/", "selfcheck_index", get(reverse("selfcheck:index"))),
            ("GET /reports/ (dashboard)", "dashboard", get(reverse("reports:index"))),
        ]
        trivial = get(baseline_url)
        trivial()
        for label, name, fn in pages:
            fn()  # warm caches, as a running server has
            with CaptureQueriesContext(connection) as queries:
                fn()
            figures.append(
                Figure(
                    name=f"{label}: {len(queries)} queries",
                    ours=median_cpu_seconds(fn, repeat=repeat),
                    baseline=median_cpu_seconds(trivial, repeat=repeat),
                    baseline_name="GET /accounts/, CPU",
                )
            )
            _profile(client, name, fn)
    return figures
