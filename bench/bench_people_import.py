"""People import: N personnel rows (default 100,000) through the real importer (in process), next to PostgreSQL
COPY of the same Person and Assignment rows into the same tables (see ``bench.copy_baseline``); and the CLI's
start-up (``piaops --help``, and ``piaops import people`` of a one-row file).

``PIAOPS_BENCH_PEOPLE`` sets N, ``PIAOPS_BENCH_REPEAT`` the rounds (default 3; ours and COPY alternate in each
round, and the figures are medians). Each round imports into a fresh municipality with the same 40 units, so every
round creates N people and N assignments. Quick mode: 2,000 rows, one round.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import copy_baseline as cb
from bench.harness import Figure

UNITS = [(f"U{i:03d}", f"第{i}課") for i in range(1, 41)]
TYPES = ["正規職員", "会計年度任用職員", "再任用職員", "派遣職員"]
DATES = ["2026-04-01", "R7.4.1", "2024/4/1"]
PERSON = ["id", "municipality_id", "staff_number", "name", "name_kana", "employment_type", "party_id", "email"]
PERSON += ["employed_from", "employed_to"]
ASSIGNMENT = ["id", "municipality_id", "person_id", "unit_id", "title", "start_date", "end_date"]
ASSIGNMENT += ["handles_specific_personal_info"]
_codes = itertools.count(1)


def people_csv(n: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["職員番号", "氏名", "雇用形態", "所属組織コード", "配属開始日", "特定個人情報取扱"])
    for i in range(n):
        unit = UNITS[i % len(UNITS)][0]
        writer.writerow([f"{1000000 + i}", f"試験 職員{i}", TYPES[i % 4], unit, DATES[i % 3], "有" if i % 3 else "無"])
    return buffer.getvalue().encode("utf-8")


def _fresh_municipality() -> Any:
    """A new municipality with the 40 units (not timed)."""
    from piaops.lib.checkdigits import local_government_code_check_digit
    from piaops.tenancy.models import Municipality
    from piaops.tenancy.people_import.services import people_import_commit

    base = f"{90000 + next(_codes):05d}"
    while Municipality.objects.filter(code__startswith=base).exists():  # a database kept from an earlier run
        base = f"{90000 + next(_codes):05d}"
    municipality = Municipality.objects.create(
        name=f"試験市{base}", code=base + str(local_government_code_check_digit(base))
    )
    units = "組織コード,組織名\n" + "".join(f"{code},{name}\n" for code, name in UNITS)
    people_import_commit(municipality=municipality, files=[("units.csv", units.encode())])
    return municipality


def _cli_seconds(*args: str, repeat: int) -> tuple[float, float]:
    """Best wall time of ``piaops ARGS`` (the least disturbed by the other work on the machine), and the least
    CPU time (user + system) it took: on a shared machine the wall time is mostly waiting for a core."""
    env = cb.cli_env()
    times, cpu = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "piaops.cli", *args], env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(times), min(cpu)


def run(quick: bool | None = None) -> list[Figure]:
    quick = cb.is_quick(quick)
    if (figures := cb.in_own_process("bench_people_import", quick)) is not None:
        return figures
    n = 2000 if quick else int(os.environ.get("PIAOPS_BENCH_PEOPLE", "100000"))
    rounds = 1 if quick else int(os.environ.get("PIAOPS_BENCH_REPEAT", "3"))
    baseline_name = cb.setup(quick)
    from piaops.tenancy.people_import.services import people_import_commit

    content = people_csv(n)
    ours: list[float] = []
    copies: list[float] = []
    for _ in range(rounds):
        m = _fresh_municipality()
        ours.append(cb.timed(lambda m=m: people_import_commit(municipality=m, files=[("people.csv", content)])))
        people = cb.read_rows("tenancy_person", PERSON, "municipality_id = %s", [m.pk])
        assignments = cb.read_rows("tenancy_assignment", ASSIGNMENT, "municipality_id = %s", [m.pk])
        assert len(people) == len(assignments) == n, (len(people), len(assignments))
        cb.delete_rows("tenancy_assignment", "municipality_id = %s", [m.pk])
        cb.delete_rows("tenancy_person", "municipality_id = %s", [m.pk])
        copies.append(
            cb.copy_seconds([("tenancy_person", PERSON, people), ("tenancy_assignment", ASSIGNMENT, assignments)])
        )
    load = cb.load_average()

    m = _fresh_municipality()
    with tempfile.TemporaryDirectory() as tmp:
        tiny = Path(tmp) / "one.csv"
        tiny.write_bytes(people_csv(1))
        cli_repeat = 1 if quick else 5
        help_seconds, help_cpu = _cli_seconds("--help", repeat=cli_repeat)
        tiny_seconds, tiny_cpu = _cli_seconds("import", "people", str(tiny), "--municipality", m.code, repeat=1)
    python_seconds = min(cb.timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True)) for _ in range(3))
    return [
        Figure(
            name=f"import {n:,} people (CSV → validate → COPY → audit entry, in process; {load})",
            ours=statistics.median(ours),
            baseline=statistics.median(copies),
            baseline_name=baseline_name,
            unit_count=n,
            target="speed ≥ 0.5× COPY (ratio ≤ 2.0×)",
        ),
        Figure(
            name=f"CLI start-up: `piaops --help` (best of {cli_repeat}, CPU {help_cpu:.2f} s; {load})",
            ours=help_seconds,
            baseline=python_seconds,
            baseline_name="`python -c pass`",
            target="< 0.7 s",
        ),
        Figure(
            name=f"CLI: `piaops import people` of a one-row file (CPU {tiny_cpu:.2f} s; {load})",
            ours=tiny_seconds,
            baseline=help_seconds,
            baseline_name="`piaops --help`",
            target="start-up < 0.7 s",
        ),
    ]
