"""The cached compliance counts (``piaops.training.snapshot``) against the full computation and the per-person
reading of the rules, on random rosters; and against every kind of write that can change them.

Correctness of a cache is two things: what it stores is right (the oracle), and it is never served after a
change (invalidation). The second is checked write by write, through the ordinary paths *and* raw SQL: after
each write the cached answer must equal a fresh computation.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from piaops.tenancy.models import Assignment, EmploymentType, OrgUnit, Person, Role, RoleGrant, WorkUnit
from piaops.training.compliance import Status
from piaops.training.models import Record, Requirement, Result, Trigger
from piaops.training.snapshot import REMIND_BEFORE_DAYS, Snapshot, compute, snapshot
from tests import factories as f
from tests.conftest import World
from tests.training import makers as t
from tests.training.test_compliance_oracle import Roster, current_unit, expected_status, roster

D = dt.date
pytestmark = pytest.mark.django_db


def from_oracle(r: Roster, world: World, day: dt.date) -> tuple[dict[int, Counter[str]], dict[Any, list[int]], dict]:
    """Per requirement × status, per (unit, type) [done, pending, overdue], per unit (overdue, due soon) people."""
    population = Person.objects.filter(municipality=world.a).count()
    requirements: dict[int, Counter[str]] = {}
    cells: dict[Any, list[int]] = {}
    overdue: dict[int | None, set[int]] = {}
    soon: dict[int | None, set[int]] = {}
    column = {Status.DONE: 0, Status.PENDING: 1, Status.OVERDUE: 2}
    for req in r.requirements:
        counter: Counter[str] = Counter()
        for person in r.people:
            status, due = expected_status(r, req, person, day)
            if status == Status.NOT_APPLICABLE:
                continue
            counter[status] += 1
            unit = current_unit(person, day)
            cells.setdefault((unit, person.employment_type), [0, 0, 0])[column[Status(status)]] += 1
            if status == Status.OVERDUE:
                overdue.setdefault(unit, set()).add(person.pk)
            if status == Status.PENDING and due is not None and due <= day + dt.timedelta(days=REMIND_BEFORE_DAYS):
                soon.setdefault(unit, set()).add(person.pk)
        counter[Status.NOT_APPLICABLE] = population - sum(counter.values())
        requirements[req.pk] = counter
    people = {
        u: (len(overdue.get(u, ())), len(soon.get(u, ())))
        for u in set(overdue) | set(soon)
        if overdue.get(u) or soon.get(u)
    }
    return requirements, cells, people


def as_tuple(s: Snapshot) -> tuple[Any, ...]:
    return (
        s.population,
        {r: +c | Counter({k: 0 for k in c if c[k] == 0}) for r, c in s.requirements.items()},
        {(u, e): [d, p, o] for u, e, d, p, o in s.unit_emp},
        s.people,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_snapshot_agrees_with_the_per_person_reading_of_the_rules(world: World, seed: int) -> None:
    r = roster(world, seed)
    for day in r.days:
        cached = snapshot(world.a, day)
        requirements, cells, people = from_oracle(r, world, day)
        assert {k: dict(v) for k, v in cached.requirements.items()} == {k: dict(v) for k, v in requirements.items()}
        assert {(u, e): [d, p, o] for u, e, d, p, o in cached.unit_emp} == cells, day
        assert cached.people == people, day
        # Served from the cache the second time, and the same.
        again = snapshot(world.a, day)
        assert as_tuple(again) == as_tuple(cached) == as_tuple(compute(world.a.pk, day))


def test_a_cached_snapshot_is_one_query_whatever_the_head_count(world: World, django_assert_num_queries: Any) -> None:
    r = roster(world, 6)
    day = D(2026, 10, 1)
    snapshot(world.a, day)
    with django_assert_num_queries(1):
        first = snapshot(world.a, day)
    for person in r.people[:10]:
        f.assignment(person, world.tax_a, start=D(2024, 1, 1))
        t.record(person, r.requirements[0].courses.first(), D(2026, 9, 1))
    snapshot(world.a, day)
    with django_assert_num_queries(1):
        second = snapshot(world.a, day)
    assert as_tuple(second) != as_tuple(first)


DAY = D(2026, 10, 1)


def _writes(world: World) -> list[tuple[str, Callable[[], object]]]:
    """A small fixed roster, and every kind of write the statement reads, each changing the counts on ``DAY``."""
    a = world.a
    c, c2 = t.course(a, code="C1"), t.course(a, code="C2")
    initial = t.requirement(a, c, Trigger.INITIAL, within_days=30)
    yearly = t.requirement(a, c, Trigger.EVERY_MONTHS, every_months=12)
    t.requirement(a, c, Trigger.EVERY_MONTHS, every_months=12, roles=[Role.UNIT_HEAD])
    t.requirement(a, c, Trigger.ON_ASSIGNMENT, within_days=14, unit=world.tax_a)
    t.requirement(a, c, Trigger.INITIAL, employment_types=[EmploymentType.FISCAL_YEAR])
    work = f.work(a)
    by_work = t.requirement(a, c, Trigger.INITIAL, handling_only=False)
    by_work.work = work
    by_work.save()
    overdue = f.person(a)  # in scope since 2025, never trained
    f.assignment(overdue, world.tax_a, start=D(2025, 1, 1))
    t.record(overdue, c2, D(2026, 9, 1))
    pending = f.person(a)  # new on 2026-09-20
    f.assignment(pending, world.other_a, start=D(2026, 9, 20))
    trained = f.person(a)
    f.assignment(trained, world.other_a, start=D(2025, 1, 1))
    t.record(trained, c, D(2026, 1, 10))
    section = f.person(a)
    f.assignment(section, world.tax_section_a, start=D(2026, 9, 25))
    head = f.user(a, "snap-head", Role.UNIT_HEAD, unit=world.tax_a)  # a login without a person yet
    staff = f.user(a, "snap-staff", Role.UNIT_STAFF, unit=world.tax_a)
    staff.person = pending
    staff.save()

    def raw_record() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO training_record (municipality_id, person_id, course_id, completed_on, result, evidence, "
                "source, recorded_at) VALUES (%s, %s, %s, %s, 'completed', '', 'import', %s)",
                [a.pk, pending.pk, c.pk, D(2026, 9, 22), dt.datetime(2026, 9, 22, tzinfo=dt.UTC)],
            )

    def login_person() -> None:
        head.person = overdue
        head.save()

    return [
        ("record added", lambda: t.record(overdue, c, D(2026, 9, 25))),
        ("record deleted", lambda: Record.objects.filter(person=trained).delete()),
        ("record failed", lambda: Record.objects.filter(person=trained).update(result=Result.FAILED)),
        ("record by raw SQL", raw_record),
        ("assignment ends", lambda: Assignment.objects.filter(person=overdue).update(end_date=D(2026, 6, 30))),
        ("assignment added", lambda: f.assignment(pending, world.tax_a, start=D(2026, 9, 25))),
        ("person leaves", lambda: Person.objects.filter(pk=pending.pk).update(employed_to=D(2026, 8, 31))),
        (
            "employment type",
            lambda: Person.objects.filter(pk=overdue.pk).update(employment_type=EmploymentType.FISCAL_YEAR),
        ),
        ("person added", lambda: f.person(a)),
        ("requirement window", lambda: Requirement.objects.filter(pk=initial.pk).update(within_days=1)),
        ("requirement off", lambda: Requirement.objects.filter(pk=yearly.pk).update(is_active=False)),
        ("requirement new", lambda: t.requirement(a, c2, Trigger.EVERY_MONTHS, every_months=1)),
        ("course removed", lambda: yearly.courses.remove(c)),
        ("course added", lambda: initial.courses.add(c2)),
        ("login's person", login_person),
        (
            "role granted",
            lambda: RoleGrant.objects.create(municipality=a, user=staff, role=Role.UNIT_HEAD, unit=world.tax_a),
        ),
        ("unit moved", lambda: OrgUnit.objects.filter(pk=world.tax_section_a.pk).update(path="/x/")),
        ("work's units", lambda: WorkUnit.objects.create(municipality=a, work=work, unit=world.other_a)),
    ]


@pytest.mark.parametrize("index", range(18))
def test_every_write_the_counts_read_invalidates_the_snapshot(world: World, index: int) -> None:
    name, write = _writes(world)[index]
    before = snapshot(world.a, DAY)
    assert as_tuple(snapshot(world.a, DAY)) == as_tuple(before)
    write()
    fresh = compute(world.a.pk, DAY)
    assert as_tuple(fresh) != as_tuple(before), f"{name}: the write must change the counts for the test to mean it"
    assert as_tuple(snapshot(world.a, DAY)) == as_tuple(fresh), name


def test_a_log_in_leaves_the_snapshot_cached(world: World, django_assert_num_queries: Any) -> None:
    """``last_login`` is written on every log-in: it must not throw the counts away."""
    _writes(world)
    snapshot(world.a, DAY)
    user = RoleGrant.objects.filter(role=Role.UNIT_HEAD).first().user
    user.last_login = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
    user.save(update_fields=["last_login"])
    user.display_name = "改名"
    user.save()
    with django_assert_num_queries(1):
        snapshot(world.a, DAY)


def test_the_other_tenants_writes_leave_the_snapshot_cached(world: World, django_assert_num_queries: Any) -> None:
    roster(world, 8)
    day = D(2026, 10, 1)
    snapshot(world.a, day)
    outsider = f.person(world.b)
    f.assignment(outsider, world.root_b, start=D(2026, 1, 1))
    with django_assert_num_queries(1):
        snapshot(world.a, day)
