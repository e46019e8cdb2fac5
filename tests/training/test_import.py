"""Bulk import of attendance records and the two CLI commands."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from openpyxl import Workbook
from pytest_django import DjangoCaptureOnCommitCallbacks

from piaops.audittrail.models import AuditEntry
from piaops.tenancy.models import Person
from piaops.training.importing import ImportFileError, import_records
from piaops.training.models import Record, Result, Trigger
from tests import factories as f
from tests.conftest import World
from tests.dbstats import analyze_count, count_now, pretend_counted
from tests.training import makers as t

D = dt.date
TODAY = D(2026, 11, 25)
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(world: World) -> list[Person]:
    t.course(world.a, code="SEC1", title="情報セキュリティ研修", has_test=True, pass_mark=70)
    t.course(world.a, code="PRV1")
    people = [
        f.person(world.a, staff_number="1001", employed_from=D(2020, 4, 1)),
        f.person(world.a, staff_number="1002", employed_from=D(2026, 4, 1), employed_to=D(2027, 3, 31)),
    ]
    return people


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


GOOD = (
    "職員番号,研修コード,受講日,得点,証跡\n"
    "1001,SEC1,2026/05/10,85,eL-001\n"
    "1002,PRV1,2026-06-01,,\n"
    "1002,SEC1,2026-06-02,40,\n"
)


def test_a_cp932_export_is_imported_whole_with_results_from_the_pass_mark(world: World, staff: list[Person]) -> None:
    result = import_records(municipality=world.a, data=csv_bytes(GOOD, "cp932"), filename="el.csv", today=TODAY)
    assert result.ok and result.created == 3
    records = {(r.person.staff_number, r.course.code): r for r in Record.objects.select_related("person", "course")}
    assert records[("1001", "SEC1")].result == Result.PASSED
    assert records[("1002", "SEC1")].result == Result.FAILED
    assert records[("1002", "PRV1")].result == Result.COMPLETED
    assert records[("1001", "SEC1")].source == Record.Source.IMPORT
    entry = AuditEntry.objects.filter(municipality=world.a, action="import").get()
    assert "3 件" in entry.summary


def test_every_bad_row_is_named_and_nothing_is_written(world: World, staff: list[Person]) -> None:
    text = (
        "職員番号,研修コード,受講日,結果\n"
        "1001,SEC1,2026-05-10,修了\n"
        "9999,SEC1,2026-05-10,\n"
        "1001,NOPE,2026-05-10,\n"
        "1002,PRV1,2026-03-31,\n"  # before the appointment
        "1001,PRV1,2026-13-01,\n"
        "1001,PRV1,2026-12-01,\n"  # future
        "1001,PRV1,2026-05-11,たぶん\n"
        "1001,SEC1,2026-05-10,\n"  # duplicate of line 2
        "1001,PRV1,2026-05-12,123456789018\n"
    )
    result = import_records(municipality=world.a, data=csv_bytes(text), filename="bad.csv", today=TODAY)
    assert not result.ok
    joined = "\n".join(result.errors)
    assert "3行目：職員番号「9999」" in joined
    assert "4行目：研修コード「NOPE」" in joined
    assert "5行目：受講日 2026-03-31 が任用期間（2026-04-01〜2027-03-31）の外です" in joined
    assert "6行目：受講日「2026-13-01」" in joined
    assert "7行目：受講日 2026-12-01 が未来の日付です" in joined
    assert "8行目：結果「たぶん」" in joined
    assert "9行目：2行目と同じ受講記録です" in joined
    assert "10行目：「結果」に個人番号と思われる" in joined and "123456789018" not in joined
    assert not any(e.startswith("2行目") for e in result.errors)
    assert Record.objects.count() == 0


def test_a_score_that_is_no_number_is_named_even_infinity(world: World, staff: list[Person]) -> None:
    lines = ["職員番号,研修コード,受講日,得点"] + [f"1001,SEC1,2026-05-{10 + i},{s}" for i, s in enumerate(SCORES)]
    result = import_records(municipality=world.a, data=csv_bytes("\n".join(lines)), filename="s.csv", today=TODAY)
    assert result.errors == [f"{i + 2}行目：得点「{s}」を数として読めません。" for i, s in enumerate(SCORES)]


SCORES = ["inf", "1e999", "nan", "-1", "1001", "八十"]


def test_short_rows_long_cells_and_japanese_text_go_in_as_written(world: World, staff: list[Person]) -> None:
    """Rows the quick check of common rows does not take as they are (a missing cell, a long or Japanese cell)
    are checked cell by cell, and imported when nothing is wrong."""
    text = (
        "職員番号,研修コード,受講日,得点,証跡\n"
        "1001,PRV1,2026/05/10\n"
        "1001,SEC1,令和8年5月11日,85,eラーニング（情報セキュリティ）修了証 No.A-2026-000123\n"
    )
    result = import_records(municipality=world.a, data=csv_bytes(text), filename="el.csv", today=TODAY)
    assert result.ok and result.created == 2
    stored = dict(Record.objects.values_list("completed_on", "evidence"))
    assert stored == {D(2026, 5, 10): "", D(2026, 5, 11): "eラーニング（情報セキュリティ）修了証 No.A-2026-000123"}


def test_a_dry_run_checks_without_writing(world: World, staff: list[Person]) -> None:
    result = import_records(municipality=world.a, data=csv_bytes(GOOD), filename="el.csv", today=TODAY, dry_run=True)
    assert result.ok and result.rows == 3 and result.created == 0
    assert Record.objects.count() == 0


def test_importing_the_same_records_twice_is_refused(world: World, staff: list[Person]) -> None:
    assert import_records(municipality=world.a, data=csv_bytes(GOOD), filename="el.csv", today=TODAY).ok
    with pytest.raises(ImportFileError, match="このファイルは .* に取り込み済みです"):
        import_records(municipality=world.a, data=csv_bytes(GOOD), filename="el.csv", today=TODAY)
    # The same records saved again in another encoding are other bytes: each row is refused by its own key.
    again = import_records(municipality=world.a, data=csv_bytes(GOOD, "cp932"), filename="el.csv", today=TODAY)
    assert "2行目：同じ受講記録がすでに登録されています。" in again.errors
    assert Record.objects.count() == 3


def test_people_and_stored_records_are_read_for_the_files_rows_in_chunks(
    world: World, staff: list[Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the file's staff numbers and their records are read (``IN`` by chunks on SQLite, one array on
    PostgreSQL): with chunks of one, every person is still found and every stored record still refused."""
    from piaops.training import importing

    monkeypatch.setattr(importing, "LOOKUP_CHUNK", 1)
    f.person(world.a, staff_number="1003", employed_from=D(2020, 4, 1))  # not in the file
    assert import_records(municipality=world.a, data=csv_bytes(GOOD), filename="el.csv", today=TODAY).ok
    again = import_records(
        municipality=world.a,
        data=csv_bytes(GOOD + "1003,PRV1,2026-06-03,,\n9999,PRV1,2026-06-03,,\n"),
        filename="el2.csv",
        today=TODAY,
    )
    assert again.errors == [
        "2行目：同じ受講記録がすでに登録されています。",
        "3行目：同じ受講記録がすでに登録されています。",
        "4行目：同じ受講記録がすでに登録されています。",
        "6行目：職員番号「9999」の職員等が登録されていません。",
    ]
    assert Record.objects.count() == 3


@pytest.mark.parametrize("new_rows", [0, 1, 3])
def test_only_the_same_person_course_and_date_is_refused_among_records_near_the_file(
    world: World, staff: list[Person], new_rows: int
) -> None:
    """The stored records of the file's people between its first and last dates are read, and only those with a
    row's exact key refuse it — whether they are fewer than the file's rows or as many (then the file's keys
    are looked up one by one on PostgreSQL)."""
    from piaops.training.models import Course

    sec, prv = Course.objects.get(code="SEC1"), Course.objects.get(code="PRV1")
    t.record(staff[0], prv, D(2026, 5, 10))  # same person and date, other course
    t.record(staff[0], sec, D(2026, 5, 11))  # same person and course, other date
    t.record(staff[0], sec, D(2026, 5, 12))  # in the file
    lines = ["職員番号,研修コード,受講日", "1001,SEC1,2026-05-10", "1001,SEC1,2026-05-12"]
    lines += [f"1001,SEC1,2026-05-{13 + i}" for i in range(new_rows)]
    result = import_records(municipality=world.a, data=csv_bytes("\n".join(lines)), filename="n.csv", today=TODAY)
    assert result.errors == ["3行目：同じ受講記録がすでに登録されています。"]


def test_an_xlsx_export_is_read_with_real_date_cells(world: World, staff: list[Person]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["受講者ID", "コースコード", "修了日", "合否"])
    sheet.append([1001, "SEC1", dt.datetime(2026, 7, 1, 10, 30), "合格"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_records(municipality=world.a, data=buffer.getvalue(), filename="el.xlsx", today=TODAY)
    assert result.ok, result.errors
    rec = Record.objects.get()
    assert rec.completed_on == D(2026, 7, 1) and rec.result == Result.PASSED


def test_a_file_without_the_needed_columns_or_in_an_unknown_encoding_is_refused(world: World) -> None:
    with pytest.raises(ImportFileError, match="研修コード"):
        import_records(municipality=world.a, data=csv_bytes("職員番号,受講日\n"), filename="x.csv", today=TODAY)
    with pytest.raises(ImportFileError, match="UTF-8 または Shift_JIS"):
        import_records(municipality=world.a, data=b"\xff\xfe\x00\x81", filename="x.csv", today=TODAY)


def test_people_of_another_municipality_are_unknown(world: World, staff: list[Person]) -> None:
    f.person(world.b, staff_number="2001")
    text = "職員番号,研修コード,受講日\n2001,SEC1,2026-05-10\n"
    result = import_records(municipality=world.a, data=csv_bytes(text), filename="x.csv", today=TODAY)
    assert result.errors == ["2行目：職員番号「2001」の職員等が登録されていません。"]


def test_the_import_command_runs_a_dry_run_then_imports(
    world: World, staff: list[Person], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "el.csv"
    path.write_bytes(csv_bytes(GOOD, "cp932"))
    call_command("training_import", str(path), "--municipality", "011002", "--dry-run")
    assert Record.objects.count() == 0
    assert "誤りはありません" in capsys.readouterr().out
    call_command("training_import", str(path), "--municipality", "011002")
    assert Record.objects.count() == 3


def test_the_import_command_fails_loudly_on_bad_rows(world: World, staff: list[Person], tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("職員番号,研修コード,受講日\n1001,SEC1,2026-05-10\n9999,SEC1,2026-05-10\n"))
    with pytest.raises(CommandError, match="1 件の誤り"):
        call_command("training_import", str(path), "--municipality", "011002")
    assert Record.objects.count() == 0


def test_the_status_command_prints_counts_per_status(
    world: World, staff: list[Person], capsys: pytest.CaptureFixture[str]
) -> None:
    from piaops.training.models import Course

    req = t.requirement(world.a, Course.objects.get(code="PRV1"), Trigger.INITIAL, within_days=30, name="初任者研修")
    f.assignment(staff[0], world.tax_a, start=D(2026, 4, 1))
    f.assignment(staff[1], world.tax_a, start=D(2026, 10, 1))
    t.record(staff[0], req.courses.get(), D(2026, 4, 10))
    call_command("training_status", "--municipality", "011002", "--as-of", "2026-11-25", "--json")
    payload = json.loads(capsys.readouterr().out)
    assert payload["requirements"][0]["counts"] == {"done": 1, "pending": 0, "overdue": 1, "na": 0}
    call_command("training_status", "--municipality", "011002", "--as-of", "2026-10-15")
    out = capsys.readouterr().out
    assert "初任者研修" in out and "期限超過" in out
    # The CLI reads its dates by the one reader too: 和暦 is the same day, and an unreadable one is refused.
    call_command("training_status", "--municipality", "011002", "--as-of", "令和8年11月25日", "--json")
    assert json.loads(capsys.readouterr().out) == payload
    with pytest.raises(CommandError, match="--as-of: 日付として読めません"):
        call_command("training_status", "--municipality", "011002", "--as-of", "11/25")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are PostgreSQL's")
def test_the_records_table_is_analysed_once_the_import_commits(
    world: World, staff: list[Person], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    count_now(Record)
    before = analyze_count(Record)
    with django_capture_on_commit_callbacks(execute=True):
        assert import_records(municipality=world.a, data=csv_bytes(GOOD), filename="el.csv", today=TODAY).ok
    assert analyze_count(Record) == before + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are PostgreSQL's")
def test_a_small_import_into_a_large_table_leaves_its_statistics_to_autovacuum(
    world: World, staff: list[Person], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    """An ANALYZE samples 30,000 rows (0.3 s on 3 million records): not for a few rows more in a large table."""
    pretend_counted(Record, 1_000_000)
    before = analyze_count(Record)
    with django_capture_on_commit_callbacks(execute=True):
        assert import_records(municipality=world.a, data=csv_bytes(GOOD), filename="el.csv", today=TODAY).ok
    assert analyze_count(Record) == before
