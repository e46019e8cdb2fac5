"""People import: N personnel rows through the real importer, next to a raw ``bulk_create`` of the same rows.

``PIAOPS_BENCH_PEOPLE`` sets N (default 100,000), ``PIAOPS_BENCH_REPEAT`` the runs per figure (default 1: the big
size is meant to be run once). Each run imports into a fresh municipality with the same 40 units, so every run
creates N people and N assignments. ``PIAOPS_BENCH_DATABASE_URL`` runs it on PostgreSQL instead of a SQLite file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
from typing import Any

from bench.harness import Figure, median_seconds, setup_django

N = int(os.environ.get("PIAOPS_BENCH_PEOPLE", "100000"))
REPEAT = int(os.environ.get("PIAOPS_BENCH_REPEAT", "1"))
UNITS = [(f"U{i:03d}", f"第{i}課") for i in range(1, 41)]
TYPES = [
    ("正規職員", "regular"),
    ("会計年度任用職員", "fiscal_year"),
    ("再任用職員", "reemployed"),
    ("派遣職員", "dispatched"),
]
DATES = [("2026-04-01", dt.date(2026, 4, 1)), ("R7.4.1", dt.date(2025, 4, 1)), ("2024/4/1", dt.date(2024, 4, 1))]
_codes = itertools.count(1)


def _rows() -> list[tuple[str, str, str, str, str, str, dt.date, bool]]:
    rows = []
    for i in range(N):
        kind_label, kind = TYPES[i % len(TYPES)]
        text, day = DATES[i % len(DATES)]
        unit = UNITS[i % len(UNITS)][0]
        rows.append((f"{1000000 + i}", f"試験 職員{i}", kind_label, kind, unit, text, day, i % 3 != 0))
    return rows


def _csv(rows: list[tuple[str, str, str, str, str, str, dt.date, bool]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["職員番号", "氏名", "雇用形態", "所属組織コード", "配属開始日", "特定個人情報取扱"])
    for number, name, kind_label, _, unit, text, _, handles in rows:
        writer.writerow([number, name, kind_label, unit, text, "有" if handles else "無"])
    return buffer.getvalue().encode("utf-8")


def _fresh_municipality() -> Any:
    """A new municipality with the 40 units (not timed)."""
    from piaops.lib.checkdigits import local_government_code_check_digit
    from piaops.tenancy.importing import people_import_commit
    from piaops.tenancy.models import Municipality

    base = f"{90000 + next(_codes):05d}"
    municipality = Municipality.objects.create(
        name=f"試験市{base}", code=base + str(local_government_code_check_digit(base))
    )
    units = "組織コード,組織名\n" + "".join(f"{code},{name}\n" for code, name in UNITS)
    people_import_commit(municipality=municipality, files=[("units.csv", units.encode())])
    return municipality


def run() -> list[Figure]:
    setup_django(os.environ.get("PIAOPS_BENCH_DATABASE_URL"))
    from piaops.tenancy.importing import people_import_commit, people_import_plan
    from piaops.tenancy.models import Assignment, OrgUnit, Person

    rows = _rows()
    content = _csv(rows)
    target: dict[str, Any] = {}

    def prepare() -> None:
        target["m"] = _fresh_municipality()

    def ours() -> None:
        people_import_commit(municipality=target["m"], files=[("people.csv", content)])

    def dry_run() -> None:
        plan = people_import_plan(municipality=target["m"], files=[("people.csv", content)])
        assert plan.ok, plan.issues[:3]

    def csv_only() -> None:
        for _ in csv.reader(io.StringIO(content.decode("utf-8"))):
            pass

    def raw_bulk_create() -> None:
        m = target["m"]
        unit_ids = dict(OrgUnit.objects.filter(municipality=m).values_list("code", "id"))
        people = [
            Person(municipality=m, staff_number=number, name=name, employment_type=kind)
            for number, name, _, kind, *_ in rows
        ]
        Person.objects.bulk_create(people, batch_size=2000)
        Assignment.objects.bulk_create(
            [
                Assignment(
                    municipality=m,
                    person_id=person.pk,
                    unit_id=unit_ids[row[4]],
                    start_date=row[6],
                    handles_specific_personal_info=row[7],
                )
                for person, row in zip(people, rows, strict=True)
            ],
            batch_size=2000,
        )

    return [
        Figure(
            name=f"import {N:,} people (CSV → validate → bulk insert → audit entry)",
            ours=median_seconds(ours, repeat=REPEAT, setup=prepare),
            baseline=median_seconds(raw_bulk_create, repeat=REPEAT, setup=prepare),
            baseline_name="raw bulk_create of the same Person + Assignment rows, no parsing or checks",
            unit_count=N,
            target="ours ≤ 4× baseline",
        ),
        Figure(
            name=f"dry run of {N:,} people (read, validate, compare with the database)",
            ours=median_seconds(dry_run, repeat=REPEAT, setup=prepare),
            baseline=median_seconds(csv_only, repeat=REPEAT),
            baseline_name="csv.reader over the same decoded file",
            unit_count=N,
        ),
    ]
