from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from piaops.areas.models import DoorEvent
from tests.areas.conftest import Room, csv_bytes


def test_the_cli_dry_run_then_import(room: Room, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(csv_bytes("2026-11-02 09:00,A1,入室", "2026-11-02 09:30,A1,退室", encoding="cp932"))
    out = StringIO()
    call_command("accesslog_import", str(path), area=room.area.pk, dry_run=True, stdout=out, stderr=StringIO())
    assert "2件を検証しました" in out.getvalue() and not DoorEvent.objects.exists()
    call_command("accesslog_import", str(path), area=room.area.pk, stdout=out, stderr=StringIO())
    assert DoorEvent.objects.count() == 2


def test_the_cli_lists_the_errors_and_fails(room: Room, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(csv_bytes("2026-11-02 09:00,A1,入室", "x,A1,入室"))
    err = StringIO()
    with pytest.raises(CommandError, match="誤りが1件"):
        call_command("accesslog_import", str(path), area=room.area.pk, stdout=StringIO(), stderr=err)
    assert "3行目：日時を読み取れません" in err.getvalue() and not DoorEvent.objects.exists()
