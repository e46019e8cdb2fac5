"""The set-based engine against a plain per-person Python reading of the same rules, on random rosters.

The oracle is deliberately naive (one person at a time, straight from the rules in the compliance module's
docstring); the engine must agree with it on every person × requirement × date, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from piaops.lib.fiscal import next_office_day
from piaops.tenancy.models import Assignment, EmploymentType, Person, Role, RoleGrant
from piaops.training.compliance import Status, group_counts, status_rows, who
from piaops.training.models import COMPLETING_RESULTS, Record, Requirement, Result, Trigger
from piaops.training.periods import add_months, period_of, previous_period
from tests import factories as f
from tests.conftest import World
from tests.training import makers as t

D = dt.date
pytestmark = pytest.mark.django_db
FAR = D(9999, 12, 31)


def oracle(req: Requirement, person: Person, unit_ids: set[int] | None, day: dt.date) -> tuple[str, dt.date | None]:
    if (person.employed_from and person.employed_from > day) or (person.employed_to and person.employed_to < day):
        return Status.NOT_APPLICABLE, None
    if req.employment_types and person.employment_type not in req.employment_types:
        return Status.NOT_APPLICABLE, None
    items = sorted(
        (
            a
            for a in Assignment.objects.filter(person=person)
            if a.start_date <= day
            and (a.handles_specific_personal_info or not req.handling_only)
            and (unit_ids is None or a.unit_id in unit_ids)
        ),
        key=lambda a: (a.start_date, a.pk),
    )
    if not items or max((a.end_date or FAR) for a in items) < day:
        return Status.NOT_APPLICABLE, None
    anchor, reach = items[0].start_date, items[0].end_date or FAR
    for a in items[1:]:
        if reach != FAR and a.start_date > reach + dt.timedelta(days=1):
            anchor = a.start_date
        reach = max(reach, a.end_date or FAR)
    latest = max(a.start_date for a in items if (a.end_date or FAR) >= day)
    base = latest if req.trigger == Trigger.ON_ASSIGNMENT else anchor
    courses = set(req.courses.values_list("pk", flat=True))
    done = sorted(
        r.completed_on
        for r in Record.objects.filter(person=person)
        if r.course_id in courses and r.result in COMPLETING_RESULTS and base <= r.completed_on <= day
    )
    grace = dt.timedelta(days=req.grace_days)
    # Every deadline falls on a 開庁日: a nominal date on a closed day moves to the next one.
    office = next_office_day
    if req.trigger in (Trigger.INITIAL, Trigger.ON_ASSIGNMENT):
        due = office(base + dt.timedelta(days=req.within_days) + grace)
        if done:
            return Status.DONE, None
        return (Status.PENDING if day <= due else Status.OVERDUE), due
    if req.trigger == Trigger.EVERY_MONTHS:
        last = done[-1] if done else None
        renew = add_months(last or anchor, req.every_months)
        if last and day < renew:
            return Status.DONE, office(renew + grace)
        return (Status.PENDING if day <= office(renew + grace) else Status.OVERDUE), office(renew + grace)
    current = period_of(day, req.times_per_year)
    previous = previous_period(current)
    following = period_of(current.end + dt.timedelta(days=1), req.times_per_year)
    if any(c >= current.start for c in done):
        return Status.DONE, office(following.end + grace)
    missed = anchor <= previous.end and not any(previous.start <= c <= previous.end for c in done)
    if missed and day > office(previous.end + grace):
        return Status.OVERDUE, office(previous.end + grace)
    return Status.PENDING, office((previous.end if missed else current.end) + grace)


@dataclass
class Roster:
    requirements: list[Requirement]
    people: list[Person]
    unit_ids: dict[int, set[int]]  # requirement → the units whose assignments are in scope (absent: all)
    days: list[dt.date]


def roster(world: World, seed: int) -> Roster:
    """A random roster over several units: regular staff and 会計年度任用職員, transfers, gaps and returns, leavers,
    passed/failed records, one requirement per trigger plus an employment-type and a role filter."""
    rng = random.Random(seed)
    c1, c2 = t.course(world.a, code="C1"), t.course(world.a, code="C2")
    units = [world.tax_a, world.tax_section_a, world.other_a, world.governance_a]

    def day_between(a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=rng.randint(0, max(0, (b - a).days)))

    requirements = [
        t.requirement(world.a, c1, Trigger.INITIAL, within_days=rng.choice([7, 30]), grace_days=rng.choice([0, 10])),
        t.requirement(world.a, c2, Trigger.ON_ASSIGNMENT, within_days=14, unit=world.tax_a),
        t.requirement(world.a, c1, Trigger.EVERY_MONTHS, every_months=rng.choice([1, 6, 12]), grace_days=14),
        t.requirement(world.a, c2, Trigger.PER_FISCAL_YEAR, times_per_year=rng.choice([1, 2, 4]), grace_days=7),
        t.requirement(
            world.a,
            c1,
            Trigger.PER_FISCAL_YEAR,
            times_per_year=2,
            handling_only=False,
            employment_types=[EmploymentType.FISCAL_YEAR],
        ),
        t.requirement(world.a, c2, Trigger.EVERY_MONTHS, every_months=12, roles=[Role.UNIT_HEAD]),
    ]
    requirements[2].courses.add(c2)
    people = []
    for _ in range(25):
        start = day_between(D(2023, 1, 1), D(2026, 10, 1))
        person = f.person(
            world.a,
            employment_type=rng.choice([EmploymentType.REGULAR, EmploymentType.FISCAL_YEAR]),
            employed_from=start if rng.random() < 0.7 else None,
            employed_to=day_between(start, D(2027, 6, 1)) if rng.random() < 0.2 else None,
        )
        day = start
        for _ in range(rng.randint(1, 3)):
            end = day_between(day, day + dt.timedelta(days=500)) if rng.random() < 0.7 else None
            f.assignment(person, rng.choice(units), start=day, end=end, handles=rng.random() < 0.8)
            if end is None:
                break
            day = end + dt.timedelta(days=rng.choice([1, 1, 2, 40, 400]))
        for _ in range(rng.randint(0, 6)):
            t.record(
                person,
                rng.choice([c1, c2]),
                day_between(start, D(2027, 3, 31)),
                rng.choice([Result.COMPLETED, Result.PASSED, Result.PASSED, Result.FAILED]),
            )
        people.append(person)
    for i, person in enumerate(rng.sample(people, 4)):
        user = f.user(world.a, f"head{seed}_{i}", Role.UNIT_HEAD if i % 2 == 0 else Role.UNIT_STAFF, unit=world.tax_a)
        user.person = person
        user.save()
    # Someone of the other tenant in scope the whole time: never counted in tenant a.
    outsider = f.person(world.b, employment_type=EmploymentType.FISCAL_YEAR)
    f.assignment(outsider, world.root_b, start=D(2023, 1, 1))
    unit_ids = {requirements[1].pk: {world.tax_a.pk, world.tax_section_a.pk}}
    days = [day_between(D(2023, 6, 1), D(2027, 4, 30)) for _ in range(6)] + [D(2026, 9, 30), D(2026, 10, 1)]
    return Roster(requirements, people, unit_ids, days)


def in_role_scope(req: Requirement, person: Person) -> bool:
    if not req.roles:
        return True
    return RoleGrant.objects.filter(user__person=person, role__in=req.roles).exists()


def expected_status(r: Roster, req: Requirement, person: Person, day: dt.date) -> tuple[str, dt.date | None]:
    if not in_role_scope(req, person):
        return Status.NOT_APPLICABLE, None
    return oracle(req, person, r.unit_ids.get(req.pk), day)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_engine_agrees_with_a_per_person_reading_of_the_rules(world: World, seed: int) -> None:
    r = roster(world, seed)
    for day in r.days:
        engine = {
            (row.requirement_id, row.person_id): (row.status, row.due)
            for row in status_rows(requirements=r.requirements, as_of=day)
        }
        for req in r.requirements:
            for person in r.people:
                got = engine.get((req.pk, person.pk), (Status.NOT_APPLICABLE, None))
                assert got == expected_status(r, req, person, day), (day, req.trigger, person.pk)


def current_unit(person: Person, day: dt.date) -> int | None:
    """The unit of the person's latest assignment active on the day (any unit, handling or not)."""
    active = [a for a in Assignment.objects.filter(person=person) if a.start_date <= day <= (a.end_date or FAR)]
    return max(active, key=lambda a: (a.start_date, a.pk)).unit_id if active else None


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_group_counts_agree_with_counting_the_per_person_reading(world: World, seed: int) -> None:
    r = roster(world, seed)
    for day in r.days:
        expected: Counter[tuple[int, int | None, str, str]] = Counter()
        for req in r.requirements:
            for person in r.people:
                status, _due = expected_status(r, req, person, day)
                if status != Status.NOT_APPLICABLE:
                    expected[(req.pk, current_unit(person, day), person.employment_type, status)] += 1
        got = group_counts(requirements=r.requirements, as_of=day)
        assert len(got) == len(expected), day  # one row per group, none empty
        assert {(g.requirement_id, g.unit_id, g.employment_type, g.status): g.count for g in got} == dict(expected), day


def test_group_counts_is_one_query_whatever_the_number_of_requirements(
    world: World, django_assert_num_queries: Any
) -> None:
    r = roster(world, 5)
    for requirements in (r.requirements[:2], r.requirements):
        # The requirements' courses, the units of the one requirement bound to a unit, then the counts.
        with django_assert_num_queries(3):
            group_counts(requirements=requirements, as_of=D(2026, 10, 1))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_streamed_who_list_agrees_with_the_per_person_reading(world: World, seed: int) -> None:
    """``who`` (status, deadline with its periods and month arithmetic, current unit: all from the database) lists
    exactly the people × requirements the rules put in the asked statuses, with the same deadlines."""
    r = roster(world, seed)
    for day in r.days:
        for statuses in ([Status.OVERDUE], [Status.PENDING, Status.OVERDUE], [Status.DONE]):
            expected = {}
            for req in r.requirements:
                for person in r.people:
                    status, due = expected_status(r, req, person, day)
                    if status in statuses:
                        expected[(req.pk, person.pk)] = (status, due, current_unit(person, day), person.staff_number)
            lines = list(who(requirements=r.requirements, as_of=day, statuses=statuses, chunk=7))
            got = {(w.requirement_id, w.person_id): (w.status, w.due, w.unit_id, w.staff_number) for w in lines}
            assert len(lines) == len(got) and got == expected, (day, statuses)
