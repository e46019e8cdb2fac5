"""Door logs: importing a month of N events (default 100,000, ``PIAOPS_BENCH_DOORLOG_ROWS``) through the real
importer, next to PostgreSQL COPY of the same event rows into the same table (see ``bench.copy_baseline``); and the
reconciliation of that month next to one bare window-function scan.

``PIAOPS_BENCH_REPEAT`` rounds (default 3) alternate ours and COPY, each round with another month's file (the same
file twice is refused, by design); the figures are medians. Quick mode: 2,000 events, one round.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from typing import Any

from bench import copy_baseline as cb
from bench.harness import Figure

EVENT = ["id", "municipality_id", "area_id", "batch_id", "at", "day", "time", "card_id", "direction", "person_id"]
EVENT += ["line"]


def month_csv(rows: int, month: dt.date) -> bytes:
    """A month of office-hours traffic: 2,000 cards taking turns, each visit a 20-minute in/out pair, with an
    unknown card now and then, so the exceptions are a realistic handful, not noise."""
    rng = random.Random(7)
    lines = ["日時,カード番号,入退"]
    pairs_per_day = rows // 2 // 28 + 1
    step = dt.timedelta(seconds=(11 * 3600) / pairs_per_day)
    i = 0
    for d in range(28):
        at = dt.datetime(month.year, month.month, 1, 8, 0) + dt.timedelta(days=d)
        for _ in range(pairs_per_day):
            card = f"C{i % 2000:05d}"
            lines.append(f"{at:%Y-%m-%d %H:%M:%S},{card},入室")
            lines.append(f"{at + dt.timedelta(minutes=20):%Y-%m-%d %H:%M:%S},{card},退室")
            if rng.random() < 0.001:
                lines.append(f"{at:%Y-%m-%d %H:%M:%S},X{i},入室")
            at += step
            i += 1
    return "\n".join(lines).encode("utf-8")


def _world() -> tuple[Any, Any]:
    from piaops.areas.models import Area, Authorization, Card
    from piaops.tenancy.models import Municipality, Person

    m, _ = Municipality.objects.get_or_create(code="011002", defaults={"name": "札幌市"})
    area, _ = Area.objects.get_or_create(municipality=m, code="BENCH", defaults={"name": "ベンチ室"})
    if not Card.objects.filter(municipality=m).exists():
        people = Person.objects.bulk_create(
            [
                Person(municipality=m, staff_number=f"B{i:05d}", name=f"職員{i}", employment_type="regular")
                for i in range(2000)
            ]
        )
        Card.objects.bulk_create(
            [
                Card(municipality=m, card_id=f"C{i:05d}", person=p, valid_from=dt.date(2026, 4, 1))
                for i, p in enumerate(people)
            ]
        )
        Authorization.objects.bulk_create(
            [
                Authorization(municipality=m, area=area, person=p, valid_from=dt.date(2026, 4, 1), purpose="x")
                for p in people[:1500]
            ]
        )
    return m, area


def run(quick: bool | None = None) -> list[Figure]:
    quick = cb.is_quick(quick)
    if (figures := cb.in_own_process("bench_doorlog", quick)) is not None:
        return figures
    n = 2000 if quick else int(os.environ.get("PIAOPS_BENCH_DOORLOG_ROWS", "100000"))
    rounds = 1 if quick else int(os.environ.get("PIAOPS_BENCH_REPEAT", "3"))
    baseline_name = cb.setup(quick)
    from django.db import connection

    from piaops.areas.importing import door_log_import
    from piaops.areas.models import DoorLogImport, DoorLogMapping
    from piaops.areas.reconcile import reconcile

    m, area = _world()
    mapping = DoorLogMapping(municipality=m, name="標準")
    ours: list[float] = []
    copies: list[float] = []
    count = 0
    month = dt.date(2026, 4, 1)
    for r in range(rounds):
        month = dt.date(2026, 4 + r % 9, 1)  # the cards are valid from April
        while DoorLogImport.objects.filter(area=area, first_at__month=month.month).exists():  # a kept database
            month = dt.date(month.year + 1, month.month, 1)
        data = month_csv(n, month)
        batch: list[Any] = []

        def ours_import(data: bytes = data, batch: list[Any] = batch) -> None:
            batch.append(door_log_import(area=area, data=data, file_name="bench.csv", mapping=mapping, user=None))

        ours.append(cb.timed(ours_import))
        events = cb.read_rows("areas_doorevent", EVENT, "batch_id = %s", [batch[0].pk])
        count = len(events)
        cb.delete_rows("areas_doorevent", "batch_id = %s", [batch[0].pk])
        copies.append(cb.copy_seconds([("areas_doorevent", EVENT, events)]))
    load = cb.load_average()

    t0 = time.perf_counter()
    exceptions = reconcile(area=area, month=month)
    ours_rec = time.perf_counter() - t0
    last = dt.date(month.year, month.month, 28)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT LAG(direction) OVER (PARTITION BY card_id ORDER BY at, id) AS p"
            " FROM areas_doorevent WHERE area_id = %s AND day BETWEEN %s AND %s) s WHERE p IS NULL",
            [area.pk, month, last],
        )
        cursor.fetchone()
    bare = time.perf_counter() - t0
    return [
        Figure(
            name=f"door-log import of {count:,} events (parse, validate, resolve cards, COPY, audit; {load})",
            ours=statistics.median(ours),
            baseline=statistics.median(copies),
            baseline_name=baseline_name,
            unit_count=count,
            target="speed ≥ 0.5× COPY (ratio ≤ 2.0×)",
        ),
        Figure(
            name=f"reconciliation of a month of {count:,} events ({len(exceptions):,} exceptions)",
            ours=ours_rec,
            baseline=bare,
            baseline_name="one bare LAG() window scan of the same month",
            unit_count=count,
        ),
    ]
