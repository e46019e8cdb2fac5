"""Door-log import: every published vector, however it is written, is refused without being echoed."""

from __future__ import annotations

import pytest

from piaops.areas.importing import DoorLogError, door_log_import
from piaops.areas.models import DoorEvent
from tests.areas.conftest import Room, csv_bytes
from tests.samples import VECTORS, not_echoed


@pytest.mark.parametrize("number", VECTORS)
def test_each_vector_is_refused_naming_the_line(room: Room, number: str) -> None:
    spaced = f"{number[:4]} {number[4:8]} {number[8:]}"
    data = csv_bytes("2026-11-02 08:15,A1,入室", f"2026-11-02 08:16,{spaced},入室")
    with pytest.raises(DoorLogError) as caught:
        door_log_import(area=room.area, data=data, file_name="x.csv", mapping=room.mapping, user=None)
    assert "3行目" in str(caught.value) and not_echoed(str(caught.value))
    assert not DoorEvent.objects.exists()


def test_eight_digit_cards_beside_timestamps_are_not_taken_for_a_number(room: Room) -> None:
    # Commas separate a number's groups in typed text, but a CSV's delimiter ends a number: fields side by side never
    # join into 12 digits (before, about 1 line in 11 of such a log would have been refused).
    from piaops.areas.models import Card

    cards = [f"{10_000_000 + 7 * i:08d}" for i in range(60)]
    for card in cards:
        Card.objects.create(
            municipality=room.area.municipality, card_id=card, person=room.alice, valid_from="2026-04-01"
        )
    lines = [f"2026-11-02 08:{i:02d},{card},入室" for i, card in enumerate(cards)]
    door_log_import(area=room.area, data=csv_bytes(*lines), file_name="x.csv", mapping=room.mapping, user=None)
    assert DoorEvent.objects.count() == len(cards)


def test_a_number_in_a_quoted_field_with_commas_is_refused(room: Room) -> None:
    number = VECTORS[0]
    data = csv_bytes("2026-11-02 08:15,A1,入室", f'2026-11-02 08:16,"{number[:4]},{number[4:8]},{number[8:]}",入室')
    with pytest.raises(DoorLogError) as caught:
        door_log_import(area=room.area, data=data, file_name="x.csv", mapping=room.mapping, user=None)
    assert "3行目" in str(caught.value) and not_echoed(str(caught.value))
    assert not DoorEvent.objects.exists()
