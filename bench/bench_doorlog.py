"""Door logs: importing N rows (default 1,000,000, ``PIAOPS_BENCH_DOORLOG_ROWS``) next to a raw executemany
INSERT of the same rows, and the reconciliation of a month of N events next to one bare window-function scan."""

from __future__ import annotations

import datetime as dt
import os
import random
import time

from bench.harness import Figure, setup_django

ROWS = int(os.environ.get("PIAOPS_BENCH_DOORLOG_ROWS", "1000000"))


def _csv(rows: int) -> bytes:
    """A month of office-hours traffic: 2,000 cards taking turns, each visit a 20-minute in/out pair, with an
    unknown card now and then, so the exceptions are a realistic handful, not noise."""
    rng = random.Random(7)
    lines = ["日時,カード番号,入退"]
    pairs_per_day = rows // 2 // 31 + 1
    step = dt.timedelta(seconds=(11 * 3600) / pairs_per_day)
    i = 0
    for d in range(31):
        at = dt.datetime(2026, 10, 1, 8, 0) + dt.timedelta(days=d)
        for _ in range(pairs_per_day):
            card = f"C{i % 2000:05d}"
            lines.append(f"{at:%Y-%m-%d %H:%M:%S},{card},入室")
            lines.append(f"{at + dt.timedelta(minutes=20):%Y-%m-%d %H:%M:%S},{card},退室")
            if rng.random() < 0.001:
                lines.append(f"{at:%Y-%m-%d %H:%M:%S},X{i},入室")
            at += step
            i += 1
    return "\n".join(lines).encode("utf-8")


def run() -> list[Figure]:
    setup_django()
    from django.db import connection, transaction

    from piaops.areas.importing import door_log_import
    from piaops.areas.models import Area, Authorization, Card, DoorEvent, DoorLogImport, DoorLogMapping
    from piaops.areas.reconcile import reconcile
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
    data = _csv(ROWS)
    mapping = DoorLogMapping(municipality=m, name="標準")

    t0 = time.perf_counter()
    batch = door_log_import(area=area, data=data, file_name="bench.csv", mapping=mapping, user=None)
    ours = time.perf_counter() - t0
    rows = list(
        DoorEvent.objects.filter(batch=batch).values_list(
            "at", "day", "time", "card_id", "direction", "person_id", "line"
        )
    )

    raw_batch = DoorLogImport.objects.create(municipality=m, area=area, file_name="raw", sha256="", encoding="", rows=0)
    ops = connection.ops
    params = [
        (
            m.pk,
            area.pk,
            raw_batch.pk,
            ops.adapt_datetimefield_value(at),
            ops.adapt_datefield_value(day),
            ops.adapt_timefield_value(t),
            card,
            direction,
            person,
            line,
        )
        for at, day, t, card, direction, person, line in rows
    ]
    sql = (
        "INSERT INTO areas_doorevent (municipality_id, area_id, batch_id, at, day, time, card_id, direction,"
        " person_id, line) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(0, len(params), 5000):
            cursor.executemany(sql, params[i : i + 5000])
    raw = time.perf_counter() - t0
    DoorEvent.objects.filter(batch=raw_batch).delete()

    t0 = time.perf_counter()
    exceptions = reconcile(area=area, month=dt.date(2026, 10, 1))
    ours_rec = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT LAG(direction) OVER (PARTITION BY card_id ORDER BY at, id) AS p"
            " FROM areas_doorevent WHERE area_id = %s AND day BETWEEN %s AND %s) s WHERE p IS NULL",
            [area.pk, dt.date(2026, 10, 1), dt.date(2026, 10, 31)],
        )
        cursor.fetchone()
    bare = time.perf_counter() - t0
    return [
        Figure(
            name=f"door-log import of {len(rows):,} rows (parse, validate, resolve cards, insert)",
            ours=ours,
            baseline=raw,
            baseline_name="raw executemany INSERT of the same parsed rows",
            unit_count=len(rows),
            target="ours ≤ 2× raw (≥ 0.5× its speed)",
        ),
        Figure(
            name=f"reconciliation of a month of {len(rows):,} events ({len(exceptions):,} exceptions)",
            ours=ours_rec,
            baseline=bare,
            baseline_name="one bare LAG() window scan of the same month",
            unit_count=len(rows),
        ),
    ]
