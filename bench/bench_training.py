"""Training compliance at scale, and the bulk import.

Sizes come from the environment (defaults are small so ``make bench`` stays quick on a shared machine):
``BENCH_TRAINING_PEOPLE`` (default 5,000; the issue's full size is 200,000), ``BENCH_TRAINING_RECORDS_PER_PERSON``
(default 15 → about 3M records at full size), ``BENCH_TRAINING_IMPORT_ROWS`` (default 5,000; full 100,000),
``BENCH_TRAINING_REPEAT`` (default 3). ``BENCH_TRAINING_DATABASE_URL`` runs on PostgreSQL instead of a fresh
SQLite file (that database is dropped and re-created: name a throw-away one).

Figures:
1. the status of every person × 5 requirements (``municipality_counts``: the engine's statement, counted per
   status) next to one hand-written SQL aggregate over the same tables (in-scope people on the day, each
   requirement's latest completion bucketed by age — the same joins without stints, periods or grace);
2. ``import_records`` of a CSV (parse, validate every row, insert, audit) next to the raw bulk insert of the same
   rows already parsed (COPY on PostgreSQL, ``executemany`` on SQLite: the fastest plain way on each).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterable, Iterator
from typing import Any

from bench.harness import Figure, median_seconds, setup_django

AS_OF = dt.date(2026, 11, 25)


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _load(table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Fast untimed loading: COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw: Any = cursor.cursor
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # type: ignore[arg-type]


def _build(people: int, per_person: int) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from piaops.tenancy.models import Municipality, OrgUnit, Person
    from piaops.training.models import Course, Requirement, Trigger

    rng = random.Random(7)
    with transaction.atomic():
        municipality = Municipality.objects.create(name="ベンチ市", code="011002")
        root = OrgUnit.objects.create(municipality=municipality, name="本庁", code="U0")
        root.path = f"/{root.pk}/"
        root.save()
        units = []
        for i in range(200):
            u = OrgUnit.objects.create(municipality=municipality, name=f"課{i}", code=f"U{i + 1}", parent=root)
            u.path = f"{root.path}{u.pk}/"
            u.depth = 1
            u.save()
            units.append(u.pk)
        courses = [
            Course.objects.create(
                municipality=municipality, code=f"C{i}", title=f"研修{i}", has_test=(i == 0), pass_mark=70
            )
            for i in range(5)
        ]
        specs = [
            dict(trigger=Trigger.INITIAL, within_days=30),
            dict(trigger=Trigger.ON_ASSIGNMENT, within_days=14),
            dict(trigger=Trigger.EVERY_MONTHS, every_months=12, grace_days=30),
            dict(trigger=Trigger.PER_FISCAL_YEAR, times_per_year=2, grace_days=14),
            dict(trigger=Trigger.INITIAL, within_days=30, employment_types=["fiscal_year"]),
        ]
        for i, spec in enumerate(specs):
            req = Requirement.objects.create(municipality=municipality, name=f"要件{i}", **spec)
            req.courses.set([courses[i]])
    m = municipality.pk
    start_id = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    person_rows: list[tuple[Any, ...]] = []
    assignment_rows: list[tuple[Any, ...]] = []
    first_day = dt.date(2018, 4, 1)
    span = (AS_OF - first_day).days
    now = timezone.now()
    course_ids = [c.pk for c in courses]

    def record_rows() -> Iterator[tuple[Any, ...]]:
        """Generated while loading (3M rows would not fit comfortably in memory as a list)."""
        r = random.Random(8)
        for i in range(people):
            for _ in range(per_person):
                day = first_day + dt.timedelta(days=r.randrange(span - 40))
                yield (m, start_id + i, course_ids[r.randrange(5)], day, "completed", "", "import", now)

    for i in range(people):
        pk = start_id + i
        kind = "fiscal_year" if i % 6 == 0 else "regular"
        person_rows.append((pk, m, f"{100000 + i}", f"職員{i}", "", kind, "", dt.date(2015, 4, 1), None))
        start = first_day + dt.timedelta(days=rng.randrange(span))
        if rng.random() < 0.3:
            move = start + dt.timedelta(days=1 + rng.randrange(max(1, (AS_OF - start).days)))
            assignment_rows.append((m, pk, rng.choice(units), "", start, move - dt.timedelta(days=1), True))
            start = move
        assignment_rows.append((m, pk, rng.choice(units), "", start, None, rng.random() < 0.9))
    _load(
        "tenancy_person",
        [
            "id",
            "municipality_id",
            "staff_number",
            "name",
            "name_kana",
            "employment_type",
            "email",
            "employed_from",
            "employed_to",
        ],
        person_rows,
    )
    _load(
        "tenancy_assignment",
        [
            "municipality_id",
            "person_id",
            "unit_id",
            "title",
            "start_date",
            "end_date",
            "handles_specific_personal_info",
        ],
        assignment_rows,
    )
    _load(
        "training_record",
        ["municipality_id", "person_id", "course_id", "completed_on", "result", "evidence", "source", "recorded_at"],
        record_rows(),
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval('tenancy_person_id_seq', {start_id + people})")
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"municipality": municipality, "courses": courses, "records": people * per_person}


def _baseline_aggregate(municipality_id: int) -> list[tuple[Any, ...]]:
    """The hand-written aggregate: per requirement, in-scope people by the age of their latest completion."""
    from django.db import connection

    from piaops.training.models import Requirement

    parts: list[str] = []
    params: list[Any] = []
    for req in Requirement.objects.filter(municipality_id=municipality_id).order_by("pk"):
        course_ids = ",".join(str(c) for c in req.courses.values_list("pk", flat=True))
        kinds = " AND p.employment_type IN ('fiscal_year')" if req.employment_types else ""
        parts.append(
            f"SELECT {req.pk} AS rid, CASE WHEN l.last_c IS NULL THEN 'none' WHEN l.last_c >= %s THEN 'recent' "
            "ELSE 'old' END AS bucket, COUNT(*) AS n "
            "FROM (SELECT DISTINCT a.person_id FROM tenancy_assignment a JOIN tenancy_person p ON p.id = a.person_id "
            f"WHERE a.municipality_id = {municipality_id} AND a.handles_specific_personal_info = %s "
            f"AND a.start_date <= %s AND (a.end_date IS NULL OR a.end_date >= %s){kinds}) s "
            "LEFT JOIN (SELECT person_id, MAX(completed_on) AS last_c FROM training_record "
            f"WHERE course_id IN ({course_ids}) AND result IN ('completed', 'passed') AND completed_on <= %s "
            "GROUP BY person_id) l ON l.person_id = s.person_id GROUP BY 1, 2"
        )
        params += [AS_OF - dt.timedelta(days=365), True, AS_OF, AS_OF, AS_OF]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return cursor.fetchall()


def _import_csv(
    municipality_id: int, courses: list[Any], rows: int, people: int
) -> tuple[bytes, list[tuple[Any, ...]]]:
    """A CSV of ``rows`` records dated after every existing one (no duplicates), and the same rows parsed."""
    from django.utils import timezone

    from piaops.tenancy.models import Person

    rng = random.Random(11)
    numbers = list(Person.objects.filter(municipality_id=municipality_id).values_list("staff_number", "pk"))
    rng.shuffle(numbers)
    lines = ["職員番号,研修コード,受講日,結果"]
    parsed: list[tuple[Any, ...]] = []
    now = timezone.now()
    for i in range(rows):
        number, pk = numbers[i % len(numbers)]
        course = courses[(i // len(numbers)) % len(courses)]
        day = AS_OF - dt.timedelta(days=rng.randrange(1, 30))
        lines.append(f"{number},{course.code},{day.isoformat()},修了")
        parsed.append((municipality_id, pk, course.pk, None, day, "completed", None, "", "import", None, now))
    return ("\n".join(lines) + "\n").encode("utf-8"), parsed


def _fresh_postgres(url: str) -> None:
    """Drop and re-create the throw-away benchmark database named by ``url``."""
    from urllib.parse import urlparse

    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def run() -> list[Figure]:
    url = os.environ.get("BENCH_TRAINING_DATABASE_URL")
    if url:
        _fresh_postgres(url)
    setup_django(url)
    from django.db import connection, transaction

    from piaops.training.compliance import municipality_counts
    from piaops.training.importing import bulk_insert_records, import_records
    from piaops.training.models import Record

    people = _env("BENCH_TRAINING_PEOPLE", 5_000)
    per_person = _env("BENCH_TRAINING_RECORDS_PER_PERSON", 15)
    import_rows = _env("BENCH_TRAINING_IMPORT_ROWS", 5_000)
    repeat = _env("BENCH_TRAINING_REPEAT", 3)
    built = _build(people, per_person)
    municipality = built["municipality"]
    pairs = people * 5

    counts_time = median_seconds(lambda: municipality_counts(municipality, AS_OF), repeat=repeat)
    baseline_time = median_seconds(lambda: _baseline_aggregate(municipality.pk), repeat=repeat)

    data, parsed = _import_csv(municipality.pk, built["courses"], import_rows, people)

    def clear() -> None:
        Record.objects.filter(municipality=municipality, completed_on__gt=AS_OF - dt.timedelta(days=30)).delete()

    def ours() -> None:
        result = import_records(municipality=municipality, data=data, filename="bench.csv", today=AS_OF)
        assert result.ok, result.errors[:3]

    def raw() -> None:
        with transaction.atomic():
            bulk_insert_records(parsed)

    import_time = median_seconds(ours, repeat=repeat, setup=clear)
    raw_time = median_seconds(raw, repeat=repeat, setup=clear)
    where = f"{connection.vendor}, {people:,} people, {built['records']:,} records"
    return [
        Figure(
            name=f"status of every person × 5 requirements ({where})",
            ours=counts_time,
            baseline=baseline_time,
            baseline_name="one hand-written SQL aggregate over the same tables",
            unit_count=pairs,
            target="ours ≤ 2× baseline",
        ),
        Figure(
            name=f"import {import_rows:,} records from CSV ({connection.vendor})",
            ours=import_time,
            baseline=raw_time,
            baseline_name="raw bulk insert of the parsed rows (COPY on PostgreSQL, executemany on SQLite)",
            unit_count=import_rows,
            target="ours ≥ half the raw speed (ratio ≤ 2×)",
        ),
    ]
