"""Each reconciliation exception, at its edges."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from piaops.areas.importing import door_log_import
from piaops.areas.models import Visit
from piaops.areas.reconcile import ExceptionKind, reconcile
from tests.areas.conftest import Room, csv_bytes
from tests.conftest import World


def _import(room: Room, *rows: str) -> None:
    door_log_import(area=room.area, data=csv_bytes(*rows), file_name="x", mapping=room.mapping, user=None)


def _kinds(room: Room) -> list[tuple[str, str]]:
    return [(e.kind, e.card_id) for e in reconcile(area=room.area, month=dt.date(2026, 11, 1))]


def test_a_clean_month_has_no_exceptions(room: Room) -> None:
    _import(
        room,
        "2026-11-02 09:00,A1,入室",
        "2026-11-02 10:00,A1,退室",
        "2026-11-02 09:00,C1,入室",
        "2026-11-02 16:59,C1,退室",
    )
    assert _kinds(room) == []


def test_an_unregistered_card_is_an_exception(room: Room) -> None:
    _import(room, "2026-11-02 09:00,ZZ9,入室", "2026-11-02 09:10,ZZ9,退室")
    assert _kinds(room) == [(ExceptionKind.UNKNOWN_CARD, "ZZ9")]


def test_entering_without_an_authorisation_is_an_exception(room: Room) -> None:
    _import(room, "2026-11-02 09:00,B1,入室", "2026-11-02 09:10,B1,退室")
    assert _kinds(room) == [(ExceptionKind.UNAUTHORISED, "B1")]


def test_an_authorisation_covers_its_last_day_and_not_the_day_after(room: Room) -> None:
    _import(
        room,
        "2026-11-15 09:00,A1,入室",
        "2026-11-15 09:10,A1,退室",
        "2026-11-16 09:00,A1,入室",
        "2026-11-16 09:10,A1,退室",
    )
    exceptions = reconcile(area=room.area, month=dt.date(2026, 11, 1))
    assert [(e.kind, timezone.localtime(e.at).date()) for e in exceptions] == [
        (ExceptionKind.UNAUTHORISED, dt.date(2026, 11, 16))
    ]


def test_entering_outside_the_authorised_hours_is_an_exception_at_the_minute(room: Room) -> None:
    # carol may enter 9:00–17:00; alice has the area's hours, 8:00–20:00.
    _import(
        room,
        "2026-11-02 08:59,C1,入室",
        "2026-11-02 09:30,C1,退室",
        "2026-11-02 17:00,C1,入室",
        "2026-11-02 17:30,C1,退室",
        "2026-11-03 08:00,A1,入室",
        "2026-11-03 08:30,A1,退室",
        "2026-11-03 20:01,A1,入室",
        "2026-11-03 20:30,A1,退室",
    )
    assert _kinds(room) == [(ExceptionKind.OUTSIDE_HOURS, "C1"), (ExceptionKind.OUTSIDE_HOURS, "A1")]


def test_an_entry_without_exit_that_day_is_an_exception(room: Room) -> None:
    _import(
        room,
        "2026-11-02 09:00,A1,入室",
        "2026-11-03 09:00,A1,退室",
        "2026-11-03 10:00,A1,入室",
        "2026-11-03 10:30,A1,退室",
    )
    assert _kinds(room) == [(ExceptionKind.NO_EXIT, "A1")]


def test_an_exit_without_entry_suggests_tailgating(room: Room) -> None:
    _import(room, "2026-11-02 09:00,A1,入室", "2026-11-02 09:30,A1,退室", "2026-11-02 09:40,A1,退室")
    assert _kinds(room) == [(ExceptionKind.EXIT_WITHOUT_ENTRY, "A1")]


def test_a_pair_across_the_month_boundary_is_not_an_exception(room: Room) -> None:
    _import(
        room,
        "2026-10-31 19:00,A1,入室",
        "2026-10-31 19:30,A1,退室",
        "2026-11-01 09:00,A1,入室",
        "2026-11-01 09:20,A1,退室",
    )
    assert _kinds(room) == []


def test_a_visitor_card_needs_a_visit_record_that_day(room: Room, world: World) -> None:
    _import(
        room,
        "2026-11-02 14:00,V1,入室",
        "2026-11-02 14:30,V1,退室",
        "2026-11-04 14:00,V1,入室",
        "2026-11-04 14:30,V1,退室",
    )
    Visit.objects.create(
        municipality=world.a,
        area=room.area,
        visitor_name="保守 一郎",
        purpose="点検",
        escort=room.alice,
        card_id="V1",
        entered_at=timezone.make_aware(dt.datetime(2026, 11, 2, 13, 55)),
    )
    exceptions = reconcile(area=room.area, month=dt.date(2026, 11, 1))
    assert [(e.kind, timezone.localtime(e.at).day) for e in exceptions] == [(ExceptionKind.UNESCORTED_VISITOR, 4)]
