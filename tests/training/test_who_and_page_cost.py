"""The home page counts training deadlines instead of listing them, links to the list it counts, and no page's
number of queries grows with the head count (dashboard, home, training overview, the who list)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from piaops.tenancy.models import OrgUnit
from piaops.training.models import Trigger
from tests import factories as f
from tests.conftest import World, login
from tests.training import makers as t

D = dt.date
pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC)  # 19:00 JST, 2026-10-01


def staff(world: World, n: int, unit: OrgUnit, *, start: dt.date) -> list[Any]:
    people = []
    for _ in range(n):
        p = f.person(world.a)
        f.assignment(p, unit, start=start)
        people.append(p)
    return people


def roster(world: World) -> dict[str, list[Any]]:
    c = t.course(world.a)
    t.requirement(world.a, c, Trigger.INITIAL, within_days=30)
    t.requirement(world.a, c, Trigger.EVERY_MONTHS, every_months=12)
    late_tax = staff(world, 3, world.tax_section_a, start=D(2026, 1, 5))  # overdue on both
    late_other = staff(world, 2, world.other_a, start=D(2026, 2, 1))
    soon = staff(world, 4, world.other_a, start=D(2026, 9, 1))  # due 10-01: within 14 days
    fine = staff(world, 2, world.tax_a, start=D(2026, 9, 30))  # due 10-30
    trained = staff(world, 2, world.tax_a, start=D(2026, 1, 5))
    for p in trained:
        t.record(p, c, D(2026, 1, 20))
    outsider = f.person(world.b)  # never counted in A
    f.assignment(outsider, world.root_b, start=D(2026, 1, 1))
    return {"late_tax": late_tax, "late_other": late_other, "soon": soon, "fine": fine}


def _get(client: Client, url: str) -> str:
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_home_counts_people_overdue_and_due_soon_and_links_to_the_list(world: World) -> None:
    people = roster(world)
    admin = _get(login(world.admin_a), "/")
    assert "研修の期限超過</strong> 5名" in admin and "研修の受講期限が14日以内 4名" in admin
    assert "【研修の期限超過】" not in admin  # no per-person line any more
    head = _get(login(world.head_a), "/")  # 税政課's subtree: the three of 税制係
    assert "研修の期限超過</strong> 3名" in head and "14日以内" not in head
    assert "研修の期限超過" not in _get(login(world.user_b), "/")
    # The link opens the list it counts: five people, each on the initial requirement (the 12-month one is not due).
    link = re.search(r'href="([^"]*show=overdue)"', admin)
    assert link is not None
    listed = _get(login(world.admin_a), link.group(1).replace("&amp;", "&"))
    late = people["late_tax"] + people["late_other"]
    assert all(listed.count(p.staff_number) == 1 for p in late)
    assert not any(p.staff_number in listed for p in people["soon"] + people["fine"])
    soon = _get(login(world.admin_a), "/training/who/?show=soon")
    assert all(p.staff_number in soon for p in people["soon"])
    assert not any(p.staff_number in soon for p in late + people["fine"])
    # A 所属長 sees only the people whose current unit is in their subtree; another tenant sees none of A's.
    head_list = _get(login(world.head_a), link.group(1).replace("&amp;", "&"))
    assert all(p.staff_number in head_list for p in people["late_tax"])
    assert not any(p.staff_number in head_list for p in people["late_other"])
    outsider = _get(login(world.user_b), "/training/who/?show=overdue")
    assert not any(p.staff_number in outsider for p in late) and "該当者はいません" in outsider


def test_the_who_list_answers_403_to_a_role_that_may_not_see_people(world: World) -> None:
    contractor = f.user(
        world.a, "contractor_a", f.Role.CONTRACTOR, party=f.party(world.a, "委託先", kind="eltax_contractor")
    )
    with time_machine.travel(NOW, tick=False):
        assert login(contractor).get("/training/who/").status_code == 403


def test_the_who_list_pages_in_the_database(world: World) -> None:
    c = t.course(world.a)
    t.requirement(world.a, c, Trigger.INITIAL, within_days=30)
    people = staff(world, 105, world.tax_a, start=D(2026, 1, 5))
    first = _get(login(world.admin_a), "/training/who/?show=overdue")
    second = _get(login(world.admin_a), "/training/who/?show=overdue&page=2")
    on_first = {p.staff_number for p in people if p.staff_number in first}
    on_second = {p.staff_number for p in people if p.staff_number in second}
    assert len(on_first) == 100 and len(on_second) == 5 and not on_first & on_second
    assert "次の100件" in first and "次の100件" not in second and "前の100件" in second


PAGES = ["/", "/reports/", "/training/", "/training/who/?show=overdue"]


def _queries(client: Client, url: str) -> int:
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_no_pages_query_count_grows_with_the_head_count(world: World) -> None:
    """At 5 and at 25 people per unit, cold (first request of the day) and warm: the same number of queries."""
    roster(world)
    client = login(world.admin_a)
    counts: list[dict[str, tuple[int, int]]] = []
    for _ in range(2):
        if counts:  # the second size: five times the people of every kind
            for _ in range(4):
                roster_units = [(world.tax_section_a, D(2026, 1, 5)), (world.other_a, D(2026, 9, 1))]
                for unit, start in roster_units:
                    staff(world, 5, unit, start=start)
        counts.append({url: (_queries(client, url), _queries(client, url)) for url in PAGES})
    assert counts[0] == counts[1]
