"""Training-record import: N attendance rows (default 100,000, ``PIAOPS_BENCH_TRAINING_IMPORT_ROWS``) through the
CLI (``piaops training import``, start-up included, as an operator runs it), next to PostgreSQL COPY of the same
record rows into the same table (see ``bench.copy_baseline``).

``PIAOPS_BENCH_REPEAT`` rounds (default 3) alternate ours and COPY, each round with other dates (the same records
twice are refused, by design); the figures are medians. Quick mode: 2,000 rows, one round.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import copy_baseline as cb
from bench.harness import Figure

RECORD = ["id", "municipality_id", "person_id", "course_id", "session_id", "completed_on", "result", "score"]
RECORD += ["evidence", "source", "recorded_by_id", "recorded_at"]
COURSES = 5
DAYS_PER_ROUND = 4


def _world(people: int) -> Any:
    from piaops.tenancy.models import Municipality, Person
    from piaops.training.models import Course

    m, _ = Municipality.objects.get_or_create(code="011002", defaults={"name": "札幌市"})
    have = Person.objects.filter(municipality=m, staff_number__startswith="T").count()
    Person.objects.bulk_create(
        [
            Person(
                municipality=m,
                staff_number=f"T{i:06d}",
                name=f"職員{i}",
                employment_type="regular",
                employed_from=dt.date(2015, 4, 1),
            )
            for i in range(have, people)
        ],
        batch_size=5000,
    )
    for i in range(COURSES):
        Course.objects.get_or_create(
            municipality=m, code=f"K{i}", defaults={"title": f"研修{i}", "has_test": i == 0, "pass_mark": 70}
        )
    return m


def records_csv(people: int, first_day: dt.date) -> bytes:
    lines = ["職員番号,研修コード,受講日,得点,証跡"]
    for i in range(people):
        for c in range(COURSES):
            for d in range(DAYS_PER_ROUND):
                day = first_day + dt.timedelta(days=d * 7 + c)
                score = str(60 + (i + c + d) % 40) if c == 0 else ""
                lines.append(f"T{i:06d},K{c},{day:%Y/%m/%d},{score},eL-{i}-{c}-{d}")
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


def run(quick: bool | None = None) -> list[Figure]:
    quick = cb.is_quick(quick)
    if (figures := cb.in_own_process("bench_training_import", quick)) is not None:
        return figures
    n = 2000 if quick else int(os.environ.get("PIAOPS_BENCH_TRAINING_IMPORT_ROWS", "100000"))
    rounds = 1 if quick else int(os.environ.get("PIAOPS_BENCH_REPEAT", "3"))
    baseline_name = cb.setup(quick)
    from piaops.training.models import Record

    people = max(1, n // (COURSES * DAYS_PER_ROUND))
    m = _world(people)
    env = cb.cli_env()
    ours: list[float] = []
    copies: list[float] = []
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            first_day = dt.date(2020, 4, 1) + dt.timedelta(days=40 * r)
            while Record.objects.filter(municipality=m, completed_on=first_day).exists():  # a kept database
                first_day += dt.timedelta(days=40 * rounds)
            path = Path(tmp) / f"records-{r}.csv"
            path.write_bytes(records_csv(people, first_day))
            last_id = Record.objects.order_by("-id").values_list("id", flat=True).first() or 0
            command = [sys.executable, "-m", "piaops.cli", "training", "import", str(path), "--municipality", m.code]
            ours.append(cb.timed(lambda c=command: subprocess.run(c, env=env, capture_output=True, check=True)))
            rows = cb.read_rows("training_record", RECORD, "municipality_id = %s AND id > %s", [m.pk, last_id])
            count = len(rows)
            assert count == people * COURSES * DAYS_PER_ROUND, count
            cb.delete_rows("training_record", "municipality_id = %s AND id > %s", [m.pk, last_id])
            copies.append(cb.copy_seconds([("training_record", RECORD, rows)]))
    load = cb.load_average()
    return [
        Figure(
            name=f"training-record import of {count:,} rows via the CLI (start-up, parse, validate, COPY; {load})",
            ours=statistics.median(ours),
            baseline=statistics.median(copies),
            baseline_name=baseline_name,
            unit_count=count,
            target="speed ≥ 0.6× COPY (ratio ≤ 1.67×)",
        )
    ]
