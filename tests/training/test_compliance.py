"""The compliance engine at its edges: the day before and after each due date, grace windows, 年度 halves,
transfers, leaving and returning. The same tests run on SQLite and on PostgreSQL (``make test``), so passing on
both proves the two databases agree."""

from __future__ import annotations

import datetime as dt

import pytest

from piaops.tenancy.models import EmploymentType, Person
from piaops.training.compliance import Status, status_counts, status_rows
from piaops.training.models import Requirement, Result, Trigger
from tests import factories as f
from tests.conftest import World
from tests.training import makers as t

D = dt.date
pytestmark = pytest.mark.django_db


def status(req: Requirement, person: Person, day: dt.date) -> tuple[str, dt.date | None]:
    rows = [r for r in status_rows(requirements=[req], as_of=day) if r.person_id == person.pk]
    if not rows:
        return Status.NOT_APPLICABLE, None
    assert len(rows) == 1
    return rows[0].status, rows[0].due


def test_initial_training_is_due_within_n_days_of_the_first_handling_assignment(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.INITIAL, within_days=30)
    p = f.person(world.a, employed_from=D(2026, 4, 1))
    f.assignment(p, world.tax_a, start=D(2026, 4, 1))

    assert status(req, p, D(2026, 3, 31)) == (Status.NOT_APPLICABLE, None)
    assert status(req, p, D(2026, 4, 1)) == (Status.PENDING, D(2026, 5, 1))
    assert status(req, p, D(2026, 5, 1)) == (Status.PENDING, D(2026, 5, 1))
    assert status(req, p, D(2026, 5, 2)) == (Status.OVERDUE, D(2026, 5, 1))

    t.record(p, c, D(2026, 5, 10))
    assert status(req, p, D(2026, 5, 9))[0] == Status.OVERDUE
    assert status(req, p, D(2026, 5, 10))[0] == Status.DONE
    assert status(req, p, D(2027, 5, 10))[0] == Status.DONE


def test_a_grace_window_extends_the_initial_deadline(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.INITIAL, within_days=30, grace_days=10)
    p = f.person(world.a)
    f.assignment(p, world.tax_a, start=D(2026, 4, 1))
    assert status(req, p, D(2026, 5, 11)) == (Status.PENDING, D(2026, 5, 11))
    assert status(req, p, D(2026, 5, 12)) == (Status.OVERDUE, D(2026, 5, 11))


def test_people_handling_my_number_data_without_the_initial_course_are_flagged_from_their_first_day(
    world: World,
) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.INITIAL, within_days=30)
    p = f.person(world.a)
    f.assignment(p, world.tax_a, start=D(2026, 4, 1))
    [row] = status_rows(requirements=[req], as_of=D(2026, 4, 1))
    assert row.status == Status.PENDING and row.untrained_access
    t.record(p, c, D(2026, 4, 3))
    [row] = status_rows(requirements=[req], as_of=D(2026, 4, 3))
    assert row.status == Status.DONE and not row.untrained_access


def test_failed_or_absent_results_and_other_courses_do_not_count(world: World) -> None:
    c = t.course(world.a, has_test=True, pass_mark=80)
    other = t.course(world.a, code="C99", title="別の研修")
    req = t.requirement(world.a, c, Trigger.INITIAL, within_days=30)
    p = f.person(world.a)
    f.assignment(p, world.tax_a, start=D(2026, 4, 1))
    t.record(p, c, D(2026, 4, 2), Result.FAILED, score=60)
    t.record(p, c, D(2026, 4, 3), Result.ABSENT)
    t.record(p, other, D(2026, 4, 4))
    assert status(req, p, D(2026, 4, 10))[0] == Status.PENDING
    t.record(p, c, D(2026, 4, 11), Result.PASSED, score=85)
    assert status(req, p, D(2026, 4, 11))[0] == Status.DONE


def test_an_assignment_that_does_not_handle_my_number_data_is_out_of_scope(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.INITIAL, within_days=30)
    p = f.person(world.a)
    f.assignment(p, world.other_a, start=D(2026, 4, 1), handles=False)
    assert status(req, p, D(2026, 6, 1)) == (Status.NOT_APPLICABLE, None)
    # The clock starts with the first handling assignment, not with employment.
    f.assignment(p, world.tax_a, start=D(2026, 7, 1))
    assert status(req, p, D(2026, 7, 31)) == (Status.PENDING, D(2026, 7, 31))


def test_a_transfer_keeps_the_initial_training_but_needs_the_on_assignment_course_again(world: World) -> None:
    c = t.course(world.a)
    initial = t.requirement(world.a, c, Trigger.INITIAL, within_days=30)
    on_assignment = t.requirement(world.a, c, Trigger.ON_ASSIGNMENT, within_days=14)
    p = f.person(world.a)
    f.assignment(p, world.tax_a, start=D(2024, 4, 1), end=D(2026, 3, 31))
    f.assignment(p, world.other_a, start=D(2026, 4, 1))
    t.record(p, c, D(2024, 4, 10))

    assert status(initial, p, D(2026, 4, 1))[0] == Status.DONE
    assert status(on_assignment, p, D(2026, 3, 31))[0] == Status.DONE
    assert status(on_assignment, p, D(2026, 4, 15)) == (Status.PENDING, D(2026, 4, 15))
    assert status(on_assignment, p, D(2026, 4, 16)) == (Status.OVERDUE, D(2026, 4, 15))
    t.record(p, c, D(2026, 4, 20))
    assert status(on_assignment, p, D(2026, 4, 20))[0] == Status.DONE


def test_leaving_makes_a_person_out_of_scope_and_returning_needs_initial_training_again(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.INITIAL, within_days=30)
    p = f.person(world.a, employed_from=D(2024, 4, 1), employed_to=D(2025, 3, 31))
    f.assignment(p, world.tax_a, start=D(2024, 4, 1), end=D(2025, 3, 31))
    t.record(p, c, D(2024, 4, 5))
    assert status(req, p, D(2025, 3, 31))[0] == Status.DONE
    assert status(req, p, D(2025, 4, 1)) == (Status.NOT_APPLICABLE, None)

    # Re-appointed a year later: a new stint, the 2024 course no longer covers it.
    p.employed_from, p.employed_to = D(2026, 4, 1), None
    p.save()
    f.assignment(p, world.tax_a, start=D(2026, 4, 1))
    assert status(req, p, D(2026, 5, 1)) == (Status.PENDING, D(2026, 5, 1))
    assert status(req, p, D(2026, 5, 2)) == (Status.OVERDUE, D(2026, 5, 1))


def test_a_fiscal_year_appointee_reappointed_the_next_day_keeps_the_stint(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.INITIAL, within_days=30, employment_types=[EmploymentType.FISCAL_YEAR])
    p = f.person(world.a, employment_type=EmploymentType.FISCAL_YEAR)
    f.assignment(p, world.tax_a, start=D(2025, 4, 1), end=D(2026, 3, 31))
    f.assignment(p, world.tax_a, start=D(2026, 4, 1), end=D(2027, 3, 31))
    t.record(p, c, D(2025, 4, 2))
    assert status(req, p, D(2026, 6, 1))[0] == Status.DONE


def test_employment_type_and_party_filters_choose_the_people(world: World) -> None:
    c = t.course(world.a)
    jlis = f.party(world.a, "地方公共団体情報システム機構", kind="intermediate_server")
    for_fy = t.requirement(world.a, c, employment_types=[EmploymentType.FISCAL_YEAR])
    for_jlis = t.requirement(world.a, c, party=jlis)
    regular = f.person(world.a)
    fy_staff = f.person(world.a, employment_type=EmploymentType.FISCAL_YEAR)
    operator = f.person(world.a, employment_type=EmploymentType.CONTRACTOR, party=jlis)
    for p in (regular, fy_staff, operator):
        f.assignment(p, world.tax_a, start=D(2026, 4, 1))
    day = D(2026, 4, 2)
    assert [status(for_fy, p, day)[0] for p in (regular, fy_staff, operator)] == ["na", "pending", "na"]
    assert [status(for_jlis, p, day)[0] for p in (regular, fy_staff, operator)] == ["na", "na", "pending"]


def test_unit_subtree_and_work_filters_choose_the_assignments(world: World) -> None:
    c = t.course(world.a)
    tax_work = f.work(world.a, units=(world.tax_a,))
    by_unit = t.requirement(world.a, c, unit=world.tax_a)
    by_work = t.requirement(world.a, c, work=tax_work)
    in_section = f.person(world.a)
    elsewhere = f.person(world.a)
    f.assignment(in_section, world.tax_section_a, start=D(2026, 4, 1))
    f.assignment(elsewhere, world.other_a, start=D(2026, 4, 1))
    day = D(2026, 4, 2)
    assert status(by_unit, in_section, day)[0] == "pending"
    assert status(by_unit, elsewhere, day)[0] == "na"
    assert status(by_work, in_section, day)[0] == "pending"
    assert status(by_work, elsewhere, day)[0] == "na"


def test_periodic_training_holds_for_n_months_then_the_grace_window_runs(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.EVERY_MONTHS, every_months=12, grace_days=14)
    p = f.person(world.a)
    f.assignment(p, world.tax_a, start=D(2024, 4, 1))
    t.record(p, c, D(2025, 11, 25))
    assert status(req, p, D(2026, 11, 24)) == (Status.DONE, D(2026, 12, 9))
    assert status(req, p, D(2026, 11, 25)) == (Status.PENDING, D(2026, 12, 9))
    assert status(req, p, D(2026, 12, 9)) == (Status.PENDING, D(2026, 12, 9))
    assert status(req, p, D(2026, 12, 10)) == (Status.OVERDUE, D(2026, 12, 9))


def test_periodic_training_clamps_month_ends_the_same_on_every_database(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.EVERY_MONTHS, every_months=6)
    p = f.person(world.a)
    f.assignment(p, world.tax_a, start=D(2025, 4, 1))
    t.record(p, c, D(2025, 8, 31))  # + 6 months = 2026-02-28 (2026 is not a leap year), a Saturday
    assert status(req, p, D(2026, 2, 27)) == (Status.DONE, D(2026, 3, 2))  # due on the next 開庁日, Monday 3/2
    assert status(req, p, D(2026, 2, 28)) == (Status.PENDING, D(2026, 3, 2))
    assert status(req, p, D(2026, 3, 2)) == (Status.PENDING, D(2026, 3, 2))
    assert status(req, p, D(2026, 3, 3)) == (Status.OVERDUE, D(2026, 3, 2))


# Training due dates fall on 開庁日 (行政機関の休日に関する法律 第1条・第2条: Saturdays, Sundays, national holidays and
# 12/29–1/3 are closed): a nominal deadline on a closed day is met through the next 開庁日.
@pytest.mark.parametrize(
    ("trigger", "start", "kwargs", "nominal", "due"),
    [
        (Trigger.INITIAL, D(2026, 4, 1), {"within_days": 30}, D(2026, 5, 1), D(2026, 5, 1)),  # a Friday stays
        (Trigger.INITIAL, D(2026, 4, 3), {"within_days": 30}, D(2026, 5, 3), D(2026, 5, 7)),  # GW → Thursday
        (Trigger.ON_ASSIGNMENT, D(2026, 11, 29), {"within_days": 30}, D(2026, 12, 29), D(2027, 1, 4)),  # 年末年始
        (Trigger.INITIAL, D(2026, 10, 3), {"within_days": 31}, D(2026, 11, 3), D(2026, 11, 4)),  # 文化の日
        (Trigger.PER_FISCAL_YEAR, D(2026, 4, 1), {"times_per_year": 1}, D(2027, 3, 31), D(2027, 3, 31)),  # Wed
        (Trigger.PER_FISCAL_YEAR, D(2027, 4, 1), {"times_per_year": 1}, D(2028, 3, 31), D(2028, 3, 31)),  # Fri
        (Trigger.PER_FISCAL_YEAR, D(2026, 4, 1), {"times_per_year": 4}, D(2026, 6, 30), D(2026, 6, 30)),
        (Trigger.PER_FISCAL_YEAR, D(2029, 4, 1), {"times_per_year": 2}, D(2029, 9, 30), D(2029, 10, 1)),  # Sunday
    ],
)
def test_training_deadlines_fall_on_office_days(
    world: World, trigger: str, start: D, kwargs: dict[str, int], nominal: D, due: D
) -> None:
    req = t.requirement(world.a, t.course(world.a), trigger, **kwargs)
    p = f.person(world.a)
    f.assignment(p, world.tax_a, start=start)
    assert status(req, p, nominal) == (Status.PENDING, due)
    assert status(req, p, due) == (Status.PENDING, due)  # the due day itself
    assert status(req, p, due + dt.timedelta(days=1))[0] == Status.OVERDUE  # a missed period is late the day after


def test_periodic_training_without_any_completion_is_first_due_n_months_after_the_stint_began(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.EVERY_MONTHS, every_months=12)
    p = f.person(world.a)
    f.assignment(p, world.tax_a, start=D(2025, 10, 1))
    assert status(req, p, D(2026, 10, 1)) == (Status.PENDING, D(2026, 10, 1))
    assert status(req, p, D(2026, 10, 2)) == (Status.OVERDUE, D(2026, 10, 1))


def test_twice_a_year_means_once_in_each_half_of_the_fiscal_year(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.PER_FISCAL_YEAR, times_per_year=2)
    p = f.person(world.a)
    f.assignment(p, world.tax_a, start=D(2025, 4, 1))
    t.record(p, c, D(2025, 11, 4))  # 2025年度下期
    t.record(p, c, D(2026, 5, 10))  # 2026年度上期
    assert status(req, p, D(2026, 4, 1)) == (Status.PENDING, D(2026, 9, 30))
    assert status(req, p, D(2026, 5, 9)) == (Status.PENDING, D(2026, 9, 30))
    assert status(req, p, D(2026, 5, 10)) == (Status.DONE, D(2027, 3, 31))
    assert status(req, p, D(2026, 9, 30)) == (Status.DONE, D(2027, 3, 31))
    # 下期 starts: the 上期 completion does not carry over.
    assert status(req, p, D(2026, 10, 1)) == (Status.PENDING, D(2027, 3, 31))
    assert status(req, p, D(2027, 3, 31)) == (Status.PENDING, D(2027, 3, 31))
    # 2027年度上期: 下期 was missed.
    assert status(req, p, D(2027, 4, 1)) == (Status.OVERDUE, D(2027, 3, 31))


def test_a_missed_half_is_overdue_after_its_grace_window_until_the_next_completion(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.PER_FISCAL_YEAR, times_per_year=2, grace_days=14)
    p = f.person(world.a)
    f.assignment(p, world.tax_a, start=D(2026, 4, 1))
    assert status(req, p, D(2026, 9, 30)) == (Status.PENDING, D(2026, 10, 14))
    assert status(req, p, D(2026, 10, 14)) == (Status.PENDING, D(2026, 10, 14))
    assert status(req, p, D(2026, 10, 15)) == (Status.OVERDUE, D(2026, 10, 14))
    t.record(p, c, D(2026, 11, 2))
    assert status(req, p, D(2026, 11, 2)) == (Status.DONE, D(2027, 10, 14))


def test_a_newcomer_in_the_second_half_owes_nothing_for_the_first(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.PER_FISCAL_YEAR, times_per_year=2)
    p = f.person(world.a)
    f.assignment(p, world.tax_a, start=D(2026, 10, 1))
    assert status(req, p, D(2026, 10, 1)) == (Status.PENDING, D(2027, 3, 31))
    # Started on the last day of 上期: 上期 was owed.
    q = f.person(world.a)
    f.assignment(q, world.tax_a, start=D(2026, 9, 30))
    assert status(req, q, D(2026, 10, 1)) == (Status.OVERDUE, D(2026, 9, 30))


def test_counts_cover_everyone_with_out_of_scope_people_as_not_applicable(world: World) -> None:
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.INITIAL, within_days=30)
    done, pending, overdue, _left = (f.person(world.a) for _ in range(4))
    f.assignment(done, world.tax_a, start=D(2026, 4, 1))
    f.assignment(pending, world.tax_a, start=D(2026, 6, 1))
    f.assignment(overdue, world.tax_a, start=D(2026, 4, 1))
    t.record(done, c, D(2026, 4, 2))
    other_tenant = f.person(world.b)
    f.assignment(other_tenant, world.root_b, start=D(2026, 4, 1))
    counts = status_counts(requirements=[req], as_of=D(2026, 6, 10), population=4)
    assert counts[req.pk] == {"done": 1, "pending": 1, "overdue": 1, "na": 1}


def test_several_requirements_are_answered_by_one_query(world: World, django_assert_max_num_queries: object) -> None:
    c = t.course(world.a)
    reqs = [
        t.requirement(world.a, c, Trigger.INITIAL),
        t.requirement(world.a, c, Trigger.ON_ASSIGNMENT),
        t.requirement(world.a, c, Trigger.EVERY_MONTHS),
        t.requirement(world.a, c, Trigger.PER_FISCAL_YEAR, times_per_year=2),
    ]
    for _ in range(30):
        p = f.person(world.a)
        f.assignment(p, world.tax_a, start=D(2026, 4, 1))
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        rows = status_rows(requirements=reqs, as_of=D(2026, 5, 1))
    assert len(rows) == 120


def test_a_role_filter_chooses_people_whose_login_holds_that_role(world: World) -> None:
    c = t.course(world.a, code="MGR", title="所属長研修")
    req = t.requirement(world.a, c, roles=["unit_head"])
    chief = f.person(world.a, name="所属 長")
    staff = f.person(world.a)
    for p in (chief, staff):
        f.assignment(p, world.tax_a, start=D(2026, 4, 1))
    world.head_a.person = chief
    world.head_a.save()
    assert status(req, chief, D(2026, 4, 2))[0] == Status.PENDING
    assert status(req, staff, D(2026, 4, 2))[0] == Status.NOT_APPLICABLE
