"""Section Ⅳ evidence of the server room counts the exceptions of every month (issue 14 §4): a signed month its
count frozen with the signature, an unsigned month the exceptions found today (not 0), the running month marked
未到来, a month with door events but no review listed too."""

from __future__ import annotations

import datetime as dt

import pytest

from piaops.areas import services
from piaops.areas.importing import door_log_import
from piaops.areas.reconcile import reconcile
from piaops.reports.section4 import _area_table
from tests.areas.conftest import Room, csv_bytes
from tests.conftest import World

TODAY = dt.date(2026, 12, 10)
FIVE_EXCEPTIONS = (  # B1 has no authorisation (×2), ZZ is an unknown card (×2), A1's exit has no entry
    "{d} 09:00,B1,入室",
    "{d} 09:10,B1,退室",
    "{d} 10:00,B1,入室",
    "{d} 10:10,B1,退室",
    "{d} 11:00,ZZ,入室",
    "{d} 11:05,ZZ,退室",
    "{d} 12:00,ZZ,入室",
    "{d} 12:05,ZZ,退室",
    "{d} 13:00,A1,退室",
)


@pytest.mark.parametrize(
    ("month", "signed", "exceptions", "state"),
    [
        (dt.date(2026, 10, 1), False, "5", "未署名"),  # today this showed 0
        (dt.date(2026, 10, 1), True, "5", "確認済（署名）"),
        (dt.date(2026, 12, 1), False, "5", "未到来（月の途中）"),  # the running month: not late
    ],
)
def test_every_month_shows_its_exceptions(
    world: World, room: Room, month: dt.date, signed: bool, exceptions: str, state: str
) -> None:
    day = month + dt.timedelta(days=1)
    door_log_import(
        area=room.area,
        data=csv_bytes(*(r.format(d=day.isoformat()) for r in FIVE_EXCEPTIONS)),
        file_name="x.csv",
        mapping=room.mapping,
        user=None,
    )
    if signed:
        review = services.review_for(area=room.area, month=month)
        for e in reconcile(area=room.area, month=month):
            services.review_comment(review=review, user=world.admin_a, exception_key=e.key, comment="確認済み")
        services.review_sign_off(review=review, user=world.admin_a, summary="", today=TODAY)
    table = _area_table(world.a, dt.date(2026, 4, 1), TODAY, TODAY)
    (row,) = table.rows
    assert row[:4] == [room.area.name, f"{month.year}年{month.month}月", exceptions, state]
    assert (row[4] != "—") is signed
