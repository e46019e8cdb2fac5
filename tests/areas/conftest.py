from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from piaops.areas.models import Area, Authorization, Card, DoorLogMapping
from piaops.tenancy.models import OrgUnit, Person
from tests import factories as f
from tests.conftest import World


@dataclass
class Room:
    area: Area
    it_unit: OrgUnit
    alice: Person  # authorised, card A1
    bob: Person  # card B1, no authorisation
    carol: Person  # authorised 9:00–17:00 only, card C1
    mapping: DoorLogMapping


@pytest.fixture
def room(world: World) -> Room:
    it_unit = f.unit(world.a, "情報システム課", parent=world.root_a, code="A150", is_it=True)
    area = Area.objects.create(municipality=world.a, name="サーバー室", code="SR-1", managing_unit=it_unit)
    alice, bob, carol = (f.person(world.a, name=n) for n in ("有栖 花子", "坊 太郎", "佳代 次郎"))
    for person, card in ((alice, "A1"), (bob, "B1"), (carol, "C1")):
        Card.objects.create(municipality=world.a, card_id=card, person=person, valid_from=dt.date(2026, 4, 1))
    Card.objects.create(municipality=world.a, card_id="V1", label="来訪者用", valid_from=dt.date(2026, 4, 1))
    Authorization.objects.create(
        municipality=world.a,
        area=area,
        person=alice,
        valid_from=dt.date(2026, 4, 1),
        valid_to=dt.date(2026, 11, 15),
        purpose="保守",
    )
    Authorization.objects.create(
        municipality=world.a,
        area=area,
        person=carol,
        valid_from=dt.date(2026, 4, 1),
        purpose="運用",
        hours_start=dt.time(9, 0),
        hours_end=dt.time(17, 0),
    )
    mapping = DoorLogMapping(municipality=world.a, name="標準")
    return Room(area, it_unit, alice, bob, carol, mapping)


def csv_bytes(*rows: str, encoding: str = "utf-8", header: str = "日時,カード番号,入退") -> bytes:
    return "\n".join([header, *rows]).encode(encoding)
