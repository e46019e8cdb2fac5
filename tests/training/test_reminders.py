"""Reminders before due dates and when overdue (the sender is built elsewhere; these are the Reminder objects)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from piaops.training.models import Trigger
from piaops.training.reminders import collect
from tests import factories as f
from tests.conftest import World
from tests.training import makers as t

D = dt.date
pytestmark = pytest.mark.django_db


def test_a_person_is_reminded_two_weeks_before_the_deadline_then_with_their_head_once_overdue(world: World) -> None:
    world.head_a.email = "head@example.lg.jp"
    world.head_a.save()
    c = t.course(world.a)
    req = t.requirement(world.a, c, Trigger.INITIAL, within_days=30, name="初任時研修")
    p = f.person(world.a, name="新任 花子", email="hanako@example.lg.jp")
    f.assignment(p, world.tax_section_a, start=D(2026, 4, 1))  # due 2026-05-01

    assert list(collect(today=D(2026, 4, 16))) == []
    [before] = collect(today=D(2026, 4, 17))
    assert before.key == f"training:{req.pk}:{p.pk}:2026-05-01:before-14"
    assert before.recipients == ("hanako@example.lg.jp",) and not before.overdue
    assert "2026-05-01" in before.subject and before.unit_id == world.tax_section_a.pk
    [still] = collect(today=D(2026, 5, 1))
    assert still.key == before.key

    [overdue] = collect(today=D(2026, 5, 2))
    assert overdue.overdue and overdue.key.endswith(":overdue")
    assert overdue.recipients == ("hanako@example.lg.jp", "head@example.lg.jp")
    assert "新任 花子" in overdue.body

    t.record(p, c, D(2026, 5, 3))
    assert list(collect(today=D(2026, 5, 3))) == []


def test_people_of_every_municipality_are_collected_with_their_own_municipality(world: World) -> None:
    for m, unit in ((world.a, world.tax_a), (world.b, world.root_b)):
        c = t.course(m)
        t.requirement(m, c, Trigger.INITIAL, within_days=10)
        f.assignment(f.person(m), unit, start=D(2026, 4, 1))
    reminders = list(collect(today=D(2026, 4, 20)))
    assert sorted(r.municipality_id for r in reminders) == sorted([world.a.pk, world.b.pk])
    assert all(r.overdue and r.recipients == () for r in reminders)


def test_each_reminder_links_to_its_persons_page_with_one_url_lookup_for_all(world: World) -> None:
    c = t.course(world.a)
    t.requirement(world.a, c, Trigger.INITIAL, within_days=10)
    people = [f.person(world.a) for _ in range(5)]
    for p in people:
        f.assignment(p, world.tax_a, start=D(2026, 4, 1))
    with mock.patch("piaops.core.reminders.reverse", wraps=reverse) as lookups:
        reminders = list(collect(today=D(2026, 4, 20)))
    assert {r.url for r in reminders} == {reverse("training:person", args=[p.pk]) for p in people}
    assert lookups.call_count == 1  # not one per person: the home page lists hundreds
