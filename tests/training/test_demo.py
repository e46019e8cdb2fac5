"""The demo step: courses, requirements and an imperfect history over people created here (the tenancy demo step
is written elsewhere)."""

from __future__ import annotations

import datetime as dt

import pytest

from piaops.tenancy.models import EmploymentType
from piaops.training import demo
from piaops.training.compliance import municipality_counts
from piaops.training.models import Course, Record, Requirement
from tests import factories as f
from tests.conftest import World

D = dt.date
TODAY = D(2026, 11, 25)
pytestmark = pytest.mark.django_db


def _roster(world: World, n: int = 60) -> None:
    for i in range(n):
        kind = EmploymentType.FISCAL_YEAR if i % 5 == 0 else EmploymentType.REGULAR
        p = f.person(world.a, staff_number=f"D{i:04d}", employment_type=kind, employed_from=D(2020, 4, 1))
        start = D(2021 + i % 6, 4, 1)
        if i % 4 == 0:  # transferred this April
            f.assignment(p, world.tax_a, start=start, end=D(2026, 3, 31))
            f.assignment(p, world.tax_section_a, start=D(2026, 4, 1))
        else:
            f.assignment(p, world.tax_a if i % 2 else world.other_a, start=start)


def test_the_demo_builds_courses_requirements_and_an_imperfect_history_once(world: World) -> None:
    _roster(world)
    f.work(world.a, "地方税賦課徴収事務", units=(world.tax_a,))
    demo.build(municipality=world.a, people=60, today=TODAY)
    assert Course.objects.filter(municipality=world.a).count() == 5
    assert Requirement.objects.filter(municipality=world.a).count() == 5
    records = Record.objects.filter(municipality=world.a)
    assert records.count() > 100
    assert not records.filter(completed_on__gt=TODAY).exists()
    assert Course.objects.get(code="MIDSRV-SEC").material_source.startswith("独立行政法人情報処理推進機構")

    requirements, counts = municipality_counts(world.a, TODAY)
    initial = counts[requirements[0].pk]
    assert initial["done"] > initial["overdue"] > 0  # mostly trained, not perfect
    operators = counts[requirements[3].pk]
    assert operators["done"] + operators["pending"] + operators["overdue"] == 8

    before = records.count()
    demo.build(municipality=world.a, people=60, today=TODAY)
    assert Record.objects.filter(municipality=world.a).count() == before
