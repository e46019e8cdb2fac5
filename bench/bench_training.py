"""Training compliance at scale (issue 17), and the bulk import.

Sizes: ``BENCH_TRAINING_PAIRS`` — three sizes of person × requirement pairs, default ``100000,300000,1000000``
(5 requirements, so 20k/60k/200k people; quick mode 1000,2000,3000); ``BENCH_TRAINING_RECORDS_PER_PERSON`` (15);
``BENCH_TRAINING_IMPORT_ROWS`` (5,000); ``BENCH_TRAINING_REPEAT`` (3). The database: ``bench.harness.database_url``
(PostgreSQL at the stated scale; the hand-written statement is PostgreSQL's, so on SQLite only the import runs).

Figures, at each size (ours and the baseline measured alternately in the same run):
1. the counts per requirement × status (``municipality_counts``, the engine's statement) next to one hand-written
   SQL statement over the same tables computing the same counts for this roster's five requirements (stints,
   periods, months and grace written out by hand) — the answers are compared; goal ≤ 1.2×;
2. the "who is overdue" list streamed by ``who()`` (person, current unit, deadline) next to the same hand-written
   statement returning the same lines — compared; goal ≤ 1.5×;
   then whether each grows linearly with the pairs or better;
3. ``import_records`` of a CSV next to the raw bulk insert of the same rows already parsed (COPY on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterable, Iterator
from typing import Any

from bench.harness import Figure, database_url, growth, interleaved, quick, scale, setup_django

AS_OF = dt.date(2026, 11, 25)
FIRST_DAY = dt.date(2018, 4, 1)


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


def _tenant() -> dict[str, Any]:
    """The municipality, 200 units, five courses and the five requirements (one per kind, one per employment)."""
    from django.db import transaction

    from piaops.tenancy.models import Municipality, OrgUnit
    from piaops.training.models import Course, Requirement, Trigger

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
        requirements = []
        for i, spec in enumerate(specs):
            req = Requirement.objects.create(municipality=municipality, name=f"要件{i}", **spec)
            req.courses.set([courses[i]])
            requirements.append(req)
    return {"municipality": municipality, "units": units, "courses": courses, "requirements": requirements}


def _add_people(tenant: dict[str, Any], first: int, count: int, per_person: int) -> None:
    """People ``first`` … ``first + count - 1`` with one or two assignments and ``per_person`` records each."""
    from django.db import connection
    from django.utils import timezone

    from piaops.tenancy.models import Person

    m = tenant["municipality"].pk
    units, course_ids = tenant["units"], [c.pk for c in tenant["courses"]]
    rng = random.Random(7 + first)
    start_id = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    span = (AS_OF - FIRST_DAY).days
    now = timezone.now()
    person_rows: list[tuple[Any, ...]] = []
    assignment_rows: list[tuple[Any, ...]] = []

    def record_rows() -> Iterator[tuple[Any, ...]]:
        """Generated while loading (3M rows would not fit comfortably in memory as a list)."""
        r = random.Random(8 + first)
        for i in range(count):
            for _ in range(per_person):
                day = FIRST_DAY + dt.timedelta(days=r.randrange(span - 40))
                result = "completed" if r.random() < 0.9 else "failed"
                yield (m, start_id + i, course_ids[r.randrange(5)], day, result, "", "import", now)

    for i in range(count):
        pk = start_id + i
        kind = "fiscal_year" if (first + i) % 6 == 0 else "regular"
        leaves = dt.date(2026, 6, 30) if rng.random() < 0.03 else None
        person_rows.append((pk, m, f"{100000 + first + i}", f"職員{first + i}", "", kind, "", FIRST_DAY, leaves))
        start = FIRST_DAY + dt.timedelta(days=rng.randrange(span))
        if rng.random() < 0.3:  # a transfer (sometimes after a gap: a new stint)
            move = start + dt.timedelta(days=1 + rng.randrange(max(1, (AS_OF - start).days)))
            end = move - dt.timedelta(days=1 if rng.random() < 0.8 else 60)
            assignment_rows.append((m, pk, rng.choice(units), "", start, max(start, end), True))
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
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT setval('tenancy_person_id_seq', {start_id + count})")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")


def _hand_written(tenant: dict[str, Any], *, overdue_only: bool) -> tuple[str, list[Any]]:
    """One statement written by hand for this roster's five requirements (PostgreSQL): per in-scope person ×
    requirement the status and deadline; counted per requirement × status, or the overdue lines with the person
    and their current unit (what ``who`` returns). Nothing generated: the rules are spelled out once more."""
    from piaops.training.periods import next_period, period_of, previous_period

    m = tenant["municipality"].pk
    r0, r1, r2, r3, r4 = (r.pk for r in tenant["requirements"])
    c0, c1, c2, c3, c4 = (c.pk for c in tenant["courses"])
    current = period_of(AS_OF, 2)
    previous, following = previous_period(current), next_period(current)
    d = f"DATE '{AS_OF.isoformat()}'"
    prev_start, prev_end = f"DATE '{previous.start.isoformat()}'", f"DATE '{previous.end.isoformat()}'"
    cur_start, cur_end = f"DATE '{current.start.isoformat()}'", f"DATE '{current.end.isoformat()}'"
    next_end = f"DATE '{following.end.isoformat()}'"
    missed = f"(s.anchor <= {prev_end} AND NOT COALESCE(c.c3_prev, false))"
    lines = f"""
WITH a AS (
  SELECT a.id, a.person_id, a.start_date, COALESCE(a.end_date, DATE '9999-12-31') AS end_date, p.employment_type
  FROM tenancy_assignment a JOIN tenancy_person p ON p.id = a.person_id
  WHERE a.municipality_id = {m} AND a.handles_specific_personal_info AND a.start_date <= {d}
    AND (p.employed_from IS NULL OR p.employed_from <= {d}) AND (p.employed_to IS NULL OR p.employed_to >= {d})
), g AS (
  SELECT a.*, MAX(end_date) OVER (PARTITION BY person_id ORDER BY start_date, id
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach FROM a
), s AS (
  SELECT person_id, MAX(employment_type) AS kind,
         MAX(start_date) FILTER (WHERE reach IS NULL OR start_date > reach + 1) AS anchor,
         MAX(start_date) FILTER (WHERE end_date >= {d}) AS latest
  FROM g GROUP BY person_id HAVING MAX(end_date) >= {d}
), c AS (
  SELECT s.person_id,
         MAX(r.completed_on) FILTER (WHERE r.course_id = {c0}) AS c0,
         MAX(r.completed_on) FILTER (WHERE r.course_id = {c1} AND r.completed_on >= s.latest) AS c1,
         MAX(r.completed_on) FILTER (WHERE r.course_id = {c2}) AS c2,
         BOOL_OR(r.course_id = {c3} AND r.completed_on >= {cur_start}) AS c3_now,
         BOOL_OR(r.course_id = {c3} AND r.completed_on BETWEEN {prev_start} AND {prev_end}) AS c3_prev,
         MAX(r.completed_on) FILTER (WHERE r.course_id = {c4}) AS c4
  FROM s JOIN training_record r ON r.person_id = s.person_id AND r.completed_on >= s.anchor
  WHERE r.completed_on <= {d} AND r.result IN ('completed', 'passed') AND r.course_id IN ({c0},{c1},{c2},{c3},{c4})
  GROUP BY s.person_id
), v AS (
  SELECT s.person_id, x.req, x.status, x.due FROM s LEFT JOIN c ON c.person_id = s.person_id CROSS JOIN LATERAL (VALUES
    ({r0}, CASE WHEN c.c0 IS NOT NULL THEN 'done' WHEN s.anchor + 30 >= {d} THEN 'pending' ELSE 'overdue' END,
           CASE WHEN c.c0 IS NULL THEN s.anchor + 30 END),
    ({r1}, CASE WHEN c.c1 IS NOT NULL THEN 'done' WHEN s.latest + 14 >= {d} THEN 'pending' ELSE 'overdue' END,
           CASE WHEN c.c1 IS NULL THEN s.latest + 14 END),
    ({r2}, CASE WHEN (c.c2 + INTERVAL '12 months')::date > {d} THEN 'done'
                WHEN (COALESCE(c.c2, s.anchor) + INTERVAL '12 months')::date + 30 >= {d} THEN 'pending'
                ELSE 'overdue' END,
           (COALESCE(c.c2, s.anchor) + INTERVAL '12 months')::date + 30),
    ({r3}, CASE WHEN COALESCE(c.c3_now, false) THEN 'done' WHEN {missed} AND {d} > {prev_end} + 14 THEN 'overdue'
                ELSE 'pending' END,
           CASE WHEN COALESCE(c.c3_now, false) THEN {next_end} + 14 WHEN {missed} THEN {prev_end} + 14
                ELSE {cur_end} + 14 END),
    ({r4}, CASE WHEN c.c4 IS NOT NULL THEN 'done' WHEN s.anchor + 30 >= {d} THEN 'pending' ELSE 'overdue' END,
           CASE WHEN c.c4 IS NULL THEN s.anchor + 30 END)
  ) AS x(req, status, due)
  WHERE x.req <> {r4} OR s.kind = 'fiscal_year'
)"""
    if not overdue_only:
        return f"{lines} SELECT req, status, COUNT(*) FROM v GROUP BY req, status", []
    return (
        f"""{lines}
SELECT v.req, v.person_id, p.staff_number, p.name, cu.unit_id, v.due FROM v
JOIN tenancy_person p ON p.id = v.person_id
LEFT JOIN (SELECT DISTINCT ON (person_id) person_id, unit_id FROM tenancy_assignment
           WHERE start_date <= {d} AND (end_date IS NULL OR end_date >= {d})
           ORDER BY person_id, start_date DESC, id DESC) cu ON cu.person_id = v.person_id
WHERE v.status = 'overdue'""",
        [],
    )


def _fetch(text: str, params: list[Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(text, params)
        return cursor.fetchall()


def _import_csv(
    municipality_id: int, courses: list[Any], rows: int, people: int
) -> tuple[bytes, list[tuple[Any, ...]]]:
    """A CSV of ``rows`` records dated after every existing one (no duplicates), and the same rows parsed."""
    from django.utils import timezone

    from piaops.tenancy.models import Person

    rng = random.Random(11)
    numbers = list(
        Person.objects.filter(municipality_id=municipality_id, employed_to__isnull=True).values_list(
            "staff_number", "pk"
        )
    )
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


def run() -> list[Figure]:
    setup_django(database_url("training"))
    from django.db import connection, transaction

    from piaops.lib.fiscal import next_office_day
    from piaops.tenancy.models import ImportedFile
    from piaops.training.compliance import Status, municipality_counts, who
    from piaops.training.importing import bulk_insert_records, import_records
    from piaops.training.models import Record

    default_pairs = "1000,2000,3000" if quick() else "100000,300000,1000000"
    sizes = [int(n) // 5 for n in os.environ.get("BENCH_TRAINING_PAIRS", default_pairs).split(",")]
    per_person = scale("BENCH_TRAINING_RECORDS_PER_PERSON", 15, 15)
    import_rows = scale("BENCH_TRAINING_IMPORT_ROWS", 5_000, 200)
    repeat = scale("BENCH_TRAINING_REPEAT", 3, 1)
    tenant = _tenant()
    municipality = tenant["municipality"]
    requirements = tenant["requirements"]
    figures: list[Figure] = []
    trend: dict[str, list[tuple[int, float]]] = {"counts": [], "who": []}
    built = 0
    for people in sizes:
        _add_people(tenant, built, people - built, per_person)
        built = people
        pairs = people * 5
        if connection.vendor != "postgresql":
            print(f"  {pairs:,} pairs: the hand-written baseline is PostgreSQL's; counts and who not measured")
            continue

        def counts() -> dict[tuple[int, str], int]:
            _, by_req = municipality_counts(municipality, AS_OF)
            return {(r, s): n for r, c in by_req.items() for s, n in c.items() if n and s != Status.NOT_APPLICABLE}

        def hand_counts() -> dict[tuple[int, str], int]:
            return {(r, s): n for r, s, n in _fetch(*_hand_written(tenant, overdue_only=False))}

        def overdue() -> list[tuple[Any, ...]]:
            return [
                (w.requirement_id, w.person_id, w.staff_number, w.name, w.unit_id, w.due)
                for w in who(requirements=requirements, as_of=AS_OF, statuses=[Status.OVERDUE])
            ]

        def hand_overdue() -> list[tuple[Any, ...]]:
            return _fetch(*_hand_written(tenant, overdue_only=True))

        assert counts() == hand_counts(), "the counts differ from the hand-written statement's"
        ours_lines = overdue()
        # The hand-written statement gives the nominal deadline; ours shows the 開庁日 it is met on (the same rule).
        hand_lines = [(*line[:5], line[5] and next_office_day(line[5])) for line in hand_overdue()]
        assert sorted(ours_lines) == sorted(hand_lines), "the who list differs from the hand-written statement's"
        (c_ours, c_hand), (w_ours, w_hand) = (
            interleaved([counts, hand_counts], repeat=repeat),
            interleaved([overdue, hand_overdue], repeat=repeat),
        )
        where = f"{connection.vendor}, {pairs:,} person×requirement pairs, {people * per_person:,} records"
        figures.append(
            Figure(
                name=f"training counts per requirement × status ({where})",
                ours=c_ours,
                baseline=c_hand,
                baseline_name="one hand-written SQL statement, same answer",
                unit_count=pairs,
                target="≤ 1.2×",
            )
        )
        figures.append(
            Figure(
                name=f"who is overdue: {len(ours_lines):,} lines streamed ({where})",
                ours=w_ours,
                baseline=w_hand,
                baseline_name="one hand-written SQL statement, same lines",
                unit_count=pairs,
                target="≤ 1.5×",
            )
        )
        trend["counts"].append((pairs, c_ours))
        trend["who"].append((pairs, w_ours))
    for name, points in trend.items():
        if len(points) >= 2:
            print(f"  growth of {name}: {growth(points, 'pairs')}", flush=True)

    data, parsed = _import_csv(municipality.pk, tenant["courses"], import_rows, built)

    def clear() -> None:
        # The same file again each round: the record of its import goes too (an import is refused twice).
        ImportedFile.objects.filter(municipality=municipality).delete()
        Record.objects.filter(municipality=municipality, completed_on__gt=AS_OF - dt.timedelta(days=30)).delete()

    def ours() -> None:
        result = import_records(municipality=municipality, data=data, filename="bench.csv", today=AS_OF)
        assert result.ok, result.errors[:3]

    def raw() -> None:
        with transaction.atomic():
            bulk_insert_records(parsed)

    import_time, raw_time = interleaved([ours, raw], repeat=repeat, setup=clear)
    figures.append(
        Figure(
            name=f"import {import_rows:,} records from CSV ({connection.vendor})",
            ours=import_time,
            baseline=raw_time,
            baseline_name="raw bulk insert of the parsed rows (COPY on PostgreSQL, executemany on SQLite)",
            unit_count=import_rows,
            target="ratio ≤ 2×",
        )
    )
    return figures
