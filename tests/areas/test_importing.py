"""Door-log import: every row validated first, all or nothing, encodings, mapping, the My Number guard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django import DjangoCaptureOnCommitCallbacks

from piaops.areas.importing import DoorLogError, door_log_import
from piaops.areas.models import DoorEvent, DoorLogImport, DoorLogMapping
from piaops.audittrail.models import Action, AuditEntry
from tests.areas.conftest import Room, csv_bytes
from tests.conftest import World
from tests.dbstats import analyze_count, count_now


def test_a_good_file_is_imported_with_local_day_time_and_card_holder(room: Room, world: World) -> None:
    data = csv_bytes("2026-11-02 08:15:00,A1,入室", "2026/11/02 9:05,A1,退室", "2026-11-02 23:59:59,ZZ,IN")
    batch = door_log_import(area=room.area, data=data, file_name="log.csv", mapping=room.mapping, user=world.admin_a)
    events = list(DoorEvent.objects.filter(batch=batch).order_by("line"))
    assert [(e.line, e.day, e.time, e.direction) for e in events] == [
        (2, dt.date(2026, 11, 2), dt.time(8, 15), "in"),
        (3, dt.date(2026, 11, 2), dt.time(9, 5), "out"),
        (4, dt.date(2026, 11, 2), dt.time(23, 59, 59), "in"),
    ]
    assert events[0].person == room.alice and events[2].person is None
    entry = AuditEntry.objects.get(action=Action.IMPORT, object_id=str(batch.pk))
    assert entry.after["rows"] == 3 and entry.municipality_id == world.a.pk


def test_an_explicit_utc_offset_is_respected(room: Room) -> None:
    batch = door_log_import(
        area=room.area,
        data=csv_bytes("2026-11-02T00:15:00+00:00,A1,入室"),
        file_name="x",
        mapping=room.mapping,
        user=None,
    )
    event = DoorEvent.objects.get(batch=batch)
    assert (event.day, event.time) == (dt.date(2026, 11, 2), dt.time(9, 15))


def test_one_bad_row_saves_nothing_and_every_bad_row_is_named(room: Room) -> None:
    data = csv_bytes(
        "2026-11-02 08:15:00,A1,入室", "02.11.2026 08:15,A1,入室", "2026-11-02 08:20,,退室", "2026-11-02 08:30,A1,通過"
    )
    with pytest.raises(DoorLogError) as caught:
        door_log_import(area=room.area, data=data, file_name="log.csv", mapping=room.mapping, user=None)
    messages = [str(e) for e in caught.value.errors]
    assert messages == [
        "3行目：日時を読み取れません（例：2026-11-02 08:15:00 または 2026/11/02 8:15）。",
        "4行目：カード番号が空です。",
        "5行目：入退の値「通過」を入室・退室のどちらとも判断できません。",
    ]
    assert not DoorEvent.objects.exists() and not DoorLogImport.objects.exists()


def test_an_impossible_date_is_an_error(room: Room) -> None:
    with pytest.raises(DoorLogError, match="存在しない日時"):
        door_log_import(
            area=room.area, data=csv_bytes("2026-02-30 08:00,A1,入室"), file_name="x", mapping=room.mapping, user=None
        )


def test_cp932_files_are_read(room: Room) -> None:
    batch = door_log_import(
        area=room.area,
        data=csv_bytes("2026-11-02 08:15,A1,入室", encoding="cp932"),
        file_name="x",
        mapping=room.mapping,
        user=None,
    )
    assert batch.encoding == "cp932" and batch.rows == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("日時,カード番号,入退\n".encode("utf-16"), "UTF-16"),
        (b"\x81\x20\x82\x21,A1,\x83", "文字コード"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "テキストファイルではありません"),
        (b"  \n", "空です"),
    ],
)
def test_a_file_that_is_not_utf8_or_cp932_text_is_refused(room: Room, data: bytes, words: str) -> None:
    with pytest.raises(DoorLogError, match=words):
        door_log_import(area=room.area, data=data, file_name="x", mapping=room.mapping, user=None)


def test_a_missing_column_names_the_columns_found(room: Room) -> None:
    with pytest.raises(DoorLogError, match="列「入退」が見つかりません（見出し：日時、カード番号、方向）"):
        door_log_import(
            area=room.area,
            data=csv_bytes("2026-11-02 08:15,A1,in", header="日時,カード番号,方向"),
            file_name="x",
            mapping=room.mapping,
            user=None,
        )


def test_an_adjusted_mapping_reads_split_date_and_time_columns(room: Room, world: World) -> None:
    mapping = DoorLogMapping.objects.create(
        municipality=world.a,
        name="A社",
        date_column="日付",
        time_column="時刻",
        card_column="ID",
        direction_column="種別",
        in_values="1",
        out_values="2",
    )
    data = csv_bytes("2026/11/02,8:15,A1,1", "2026/11/02,08:45:30,A1,2", header="日付,時刻,ID,種別")
    batch = door_log_import(area=room.area, data=data, file_name="x", mapping=mapping, user=None)
    assert list(DoorEvent.objects.filter(batch=batch).values_list("direction", flat=True)) == ["in", "out"]


def test_a_row_holding_a_my_number_is_refused_without_echoing_it(room: Room) -> None:
    data = csv_bytes("2026-11-02 08:15,A1,入室", "2026-11-02 08:16,1234-5678-9018,入室")
    with pytest.raises(DoorLogError) as caught:
        door_log_import(area=room.area, data=data, file_name="x", mapping=room.mapping, user=None)
    assert [str(e) for e in caught.value.errors] == [
        "3行目：個人番号と思われる12桁の数字が含まれています。個人番号は取り込めません。"
    ]
    assert "9018" not in str(caught.value)


def test_a_dry_run_validates_and_saves_nothing(room: Room) -> None:
    batch = door_log_import(
        area=room.area,
        data=csv_bytes("2026-11-02 08:15,A1,入室"),
        file_name="x",
        mapping=room.mapping,
        user=None,
        dry_run=True,
    )
    assert batch.pk is None and batch.rows == 1 and not DoorEvent.objects.exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(["2026-11-02 08:15,A1,入室", "2026/11/02 8:15,B1,退室", ",,", "2026-11-02,A1", '"a,b']),
        ),
        max_size=12,
    )
)
def test_random_input_raises_only_the_importers_error_and_never_saves_partially(room: Room, lines: list[str]) -> None:
    data = csv_bytes(*lines)
    events, batches, audit = (model.objects.count() for model in (DoorEvent, DoorLogImport, AuditEntry))
    try:
        batch = door_log_import(area=room.area, data=data, file_name="x", mapping=room.mapping, user=None)
    except DoorLogError:
        # Nothing saved: no event, no import record, no audit entry.
        assert (DoorEvent.objects.count(), DoorLogImport.objects.count(), AuditEntry.objects.count()) == (
            events,
            batches,
            audit,
        )
    else:
        assert DoorEvent.objects.count() == events + batch.rows == events + batch.events.count()
        assert DoorLogImport.objects.count() == batches + 1 and AuditEntry.objects.count() > audit


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are PostgreSQL's")
def test_the_events_table_is_analysed_once_the_import_commits(
    room: Room, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    count_now(DoorEvent)
    before = analyze_count(DoorEvent)
    with django_capture_on_commit_callbacks(execute=True):
        door_log_import(
            area=room.area,
            data=csv_bytes("2026-11-02 08:15:00,A1,入室"),
            file_name="log.csv",
            mapping=room.mapping,
            user=None,
        )
    assert analyze_count(DoorEvent) == before + 1


@pytest.mark.parametrize(
    ("day", "time"),
    [
        ("令和8年11月2日", "8:15"),
        ("R8.11.2", "08:15:00"),
        ("2026年11月2日", "８:１５"),
        ("２０２６/１１/０２", "8:15"),
    ],
)
def test_a_door_log_reads_dates_with_the_one_reader(room: Room, world: World, day: str, time: str) -> None:
    """Issue 14 §6: the door log reads 西暦 and 和暦 as every other import does (``piaops.lib.dates``)."""
    mapping = DoorLogMapping.objects.create(
        municipality=world.a, name="和暦", date_column="日付", time_column="時刻", card_column="ID"
    )
    data = csv_bytes(f"{day},{time},A1,入室", header="日付,時刻,ID,入退")
    batch = door_log_import(area=room.area, data=data, file_name="wareki.csv", mapping=mapping, user=None)
    event = DoorEvent.objects.get(batch=batch)
    assert (event.day, event.time) == (dt.date(2026, 11, 2), dt.time(8, 15))
