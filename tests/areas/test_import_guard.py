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
