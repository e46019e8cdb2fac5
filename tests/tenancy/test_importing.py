from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import openpyxl
import pytest
from django.db import connection
from pytest_django import DjangoCaptureOnCommitCallbacks

from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.models import Assignment, EmploymentType, OrgUnit, Person
from piaops.tenancy.people_import.services import people_import_commit, people_import_plan
from piaops.tenancy.people_import.tables import ImportFileError, ValueProblem, parse_date
from tests import factories as f
from tests.conftest import World
from tests.dbstats import analyze_count, count_now

DATA = Path(__file__).resolve().parents[2] / "src" / "piaops" / "tenancy" / "data"
HEADER = "職員番号,氏名,氏名カナ,雇用形態,所属組織コード,職名,配属開始日,配属終了日,特定個人情報取扱"
VALID_MY_NUMBER = "123456789018"  # published test vector (pia-domain.md §5.1)


def people_csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def test_the_example_files_import_units_people_and_assignments(world: World) -> None:
    files = [(p.name, p.read_bytes()) for p in (DATA / "units-example.csv", DATA / "people-example.csv")]

    plan, entry = people_import_commit(municipality=world.a, files=files)

    assert plan.counts.units_created == 9 and plan.counts.people_created == 5
    tax = OrgUnit.objects.get(municipality=world.a, code="210100")
    bureau = OrgUnit.objects.get(municipality=world.a, code="200000")
    assert tax.path.startswith(bureau.path) and tax.depth == 2 and bureau.kind == OrgUnit.Kind.BUREAU
    assert OrgUnit.objects.get(municipality=world.a, is_governance=True).code == "110100"
    moved = {"kind": "組織 更新", "key": "A110", "before": {"is_governance": True}, "after": {"is_governance": False}}
    assert moved in entry.after["changes"]  # the world's former 番号制度総括部門 lost the flag, on the record
    part_timer = Person.objects.get(municipality=world.a, staff_number="0010003")
    assert part_timer.employment_type == EmploymentType.FISCAL_YEAR
    assert (part_timer.employed_from, part_timer.employed_to) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assignment = Assignment.objects.get(person=part_timer)
    assert (assignment.unit.code, assignment.start_date, assignment.end_date) == (
        "210200",
        dt.date(2026, 4, 1),
        dt.date(2027, 3, 31),
    )
    assert assignment.handles_specific_personal_info and assignment.title == "事務補助"
    assert entry.action == Action.IMPORT and entry.municipality_id == world.a.pk
    assert entry.after["files"][1]["sha256"] == hashlib.sha256(files[1][1]).hexdigest()
    assert entry.after["counts"]["people_created"] == 5
    assert sorted(entry.after["created"]["職員 新規"]) == [f"001000{i}" for i in range(1, 6)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_it_reads_utf8_with_or_without_bom_and_shift_jis(world: World, encoding: str) -> None:
    content = "\n".join([HEADER, "9001,髙橋 𠮷子,タカハシ ヨシコ,正規職員,A210,主任,2026/4/1,,有"]).encode(
        encoding, errors="replace" if encoding == "cp932" else "strict"
    )
    if encoding == "cp932":  # 𠮷 is outside CP932: use a name it can hold
        content = "\n".join([HEADER, "9001,髙橋 吉子,タカハシ ヨシコ,正規職員,A210,主任,2026/4/1,,有"]).encode("cp932")

    people_import_commit(municipality=world.a, files=[("people.csv", content)])

    person = Person.objects.get(municipality=world.a, staff_number="9001")
    assert person.name.startswith("髙橋") and person.name_kana == "タカハシ ヨシコ"
    assert person.assignments.get().unit == world.tax_a


@pytest.mark.parametrize(
    "content",
    [
        "Nom,Prénom,Société\nDupont,Zoé,Café Crème\n".encode("latin-1"),
        bytes(range(256)),
        "職員番号,氏名".encode("utf-16"),
    ],
    ids=["latin-1", "binary", "utf-16"],
)
def test_it_refuses_a_file_in_another_encoding_with_a_japanese_reason(world: World, content: bytes) -> None:
    plan = people_import_plan(municipality=world.a, files=[("roster.csv", content)])

    assert not plan.ok
    assert "文字コード" in str(plan.issues[0]) and "roster.csv" in str(plan.issues[0])
    with pytest.raises(ImportFileError):
        people_import_commit(municipality=world.a, files=[("roster.csv", content)])
    assert not Person.objects.exists()


def test_it_reads_an_xlsx_workbook_with_a_units_sheet_and_a_people_sheet(world: World) -> None:
    book = openpyxl.Workbook()
    units = book.active
    assert units is not None
    units.title = "組織"
    units.append(["組織コード", "組織名", "上位組織コード"])
    units.append([500, "子ども未来局", None])
    units.append([510, "子育て支援課", 500])
    people = book.create_sheet("職員")
    people.append(["職員一覧（令和8年4月1日現在）"])  # a title row above the header, as exports often have
    people.append(["職員番号", "氏名", "雇用形態", "所属組織コード", "配属開始日", "特定個人情報取扱"])
    people.append([70001, "手稲 五郎", "派遣職員", 510, dt.datetime(2026, 4, 1), "○"])
    buffer = io.BytesIO()
    book.save(buffer)

    plan, _ = people_import_commit(municipality=world.a, files=[("export.xlsx", buffer.getvalue())])

    assert plan.counts.units_created == 2 and plan.counts.people_created == 1
    person = Person.objects.get(municipality=world.a, staff_number="70001")
    assignment = person.assignments.get()
    assert assignment.unit.code == "510" and assignment.unit.parent is not None
    assert assignment.unit.parent.code == "500"
    assert assignment.start_date == dt.date(2026, 4, 1) and assignment.handles_specific_personal_info
    assert person.employment_type == EmploymentType.DISPATCHED


def test_one_bad_row_saves_nothing_and_names_the_row(world: World) -> None:
    content = people_csv(
        "1001,石狩 一,,正規職員,A210,,2026-04-01,,有",
        "1002,石狩 二,,正規職員,A210,,2026-04-01,,有",
        "1003,石狩 三,,正規職員,Z999,,2026-04-01,,有",
    )

    with pytest.raises(ImportFileError) as caught:
        people_import_commit(municipality=world.a, files=[("people.csv", content)])

    assert [str(i) for i in caught.value.issues] == [
        "people.csv 4行目「所属組織コード」: 組織コード「Z999」の組織が登録されていません。"
    ]
    assert not Person.objects.filter(municipality=world.a).exists()
    assert not AuditEntry.objects.filter(action=Action.IMPORT).exists()


def test_the_dry_run_lists_every_bad_row_and_never_echoes_a_my_number(world: World) -> None:
    content = people_csv(
        "2001,当別 一,,正規職員,A210,,2026-04-01,,有",
        "2002,当別 二,,アルバイト,A210,,2026-04-01,,有",
        "2003,当別 三,,正規職員,A210,,2026-13-01,,有",
        "2004,当別 四,,正規職員,A210,,2026-04-01,2026-03-31,有",
        "2001,当別 五,,正規職員,A210,,2026-04-01,,有",
        f"2006,当別 六,,正規職員,A210,備考 {VALID_MY_NUMBER},2026-04-01,,有",
        "2007,当別 七,,正規職員,A210,,2026-04-01,,たぶん",
    )

    plan = people_import_plan(municipality=world.a, files=[("people.csv", content)])

    found = {(i.line, i.column) for i in plan.issues}
    assert found == {
        (3, "雇用形態"),
        (4, "配属開始日"),
        (5, "配属終了日"),
        (6, "職員番号"),
        (7, "職名"),
        (8, "特定個人情報取扱"),
    }
    text = "\n".join(str(i) for i in plan.issues)
    assert "2行目と重複しています" in text and "個人番号と思われる" in text
    assert VALID_MY_NUMBER not in text
    assert not Person.objects.exists()


def test_it_refuses_a_my_number_column_whatever_it_holds(world: World) -> None:
    content = people_csv("3001,江別 一,正規職員,", header="職員番号,氏名,雇用形態,個人番号")

    plan = people_import_plan(municipality=world.a, files=[("people.csv", content)])

    assert [(i.line, i.column) for i in plan.issues] == [(1, "個人番号")]


def test_a_second_import_of_the_same_rows_changes_nothing(world: World) -> None:
    content = people_csv("4001,千歳 一,,正規職員,A210,主事,2025-04-01,,有")
    people_import_commit(municipality=world.a, files=[("people.csv", content)])
    with pytest.raises(ImportFileError, match="このファイルは .* に取り込み済みです"):
        people_import_commit(municipality=world.a, files=[("people.csv", content)])

    resaved = content.replace(b"\n", b"\r\n")  # the same rows, other bytes: imported, and nothing changes
    plan, entry = people_import_commit(municipality=world.a, files=[("people.csv", resaved)])

    assert plan.counts.people_unchanged == 1
    assert plan.counts.people_created == plan.counts.people_updated == plan.counts.assignments_created == 0
    assert Assignment.objects.filter(person__staff_number="4001").count() == 1
    assert entry.after["changes"] == []


def test_a_new_unit_and_start_date_is_a_transfer_that_ends_the_open_assignment(world: World) -> None:
    people_import_commit(
        municipality=world.a, files=[("2025.csv", people_csv("5001,恵庭 一,,正規職員,A210,主事,2025-04-01,,有"))]
    )

    plan, entry = people_import_commit(
        municipality=world.a,
        files=[("2026.csv", people_csv("5001,恵庭 一,,正規職員,A300,主任,令和8年4月1日,,無"))],
    )

    history = list(Assignment.objects.filter(person__staff_number="5001").order_by("start_date"))
    assert [(a.unit.code, a.start_date, a.end_date) for a in history] == [
        ("A210", dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
        ("A300", dt.date(2026, 4, 1), None),
    ]
    assert plan.counts.assignments_closed == 1 and plan.counts.assignments_created == 1
    kinds = [c["kind"] for c in entry.after["changes"]]
    assert kinds == ["配属 終了", "配属 新規"]


def test_an_update_changes_only_the_columns_in_the_file(world: World) -> None:
    f.person(world.a, name="北広島 一", staff_number="6001", email="six@example.jp")

    plan, entry = people_import_commit(
        municipality=world.a,
        files=[("names.csv", people_csv("6001,北広島 壱,会計年度任用職員", header="職員番号,氏名,雇用形態"))],
    )

    person = Person.objects.get(staff_number="6001")
    assert (person.name, person.employment_type, person.email) == ("北広島 壱", "fiscal_year", "six@example.jp")
    assert entry.after["changes"][0]["before"] == {"name": "北広島 一", "employment_type": "regular"}


def test_units_of_another_municipality_are_unknown(world: World) -> None:
    content = people_csv("7001,小樽 一,,正規職員,B100,,2026-04-01,,有")

    plan = people_import_plan(municipality=world.a, files=[("people.csv", content)])

    assert [i.column for i in plan.issues] == ["所属組織コード"]


def test_a_unit_cycle_and_an_unknown_parent_are_refused(world: World) -> None:
    units = "組織コード,組織名,上位組織コード\nX1,甲課,X2\nX2,乙課,X1\nX3,丙課,NOPE\n".encode()

    plan = people_import_plan(municipality=world.a, files=[("units.csv", units)])

    assert {(i.line, i.column) for i in plan.issues} == {(2, "上位組織コード"), (4, "上位組織コード")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-01", dt.date(2026, 4, 1)),
        ("2026/4/1", dt.date(2026, 4, 1)),
        ("２０２６／４／１", dt.date(2026, 4, 1)),
        ("20260401", dt.date(2026, 4, 1)),
        ("2026年4月1日", dt.date(2026, 4, 1)),
        ("R8.4.1", dt.date(2026, 4, 1)),
        ("r08.04.01", dt.date(2026, 4, 1)),
        ("令和8年4月1日", dt.date(2026, 4, 1)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("2026-04-01 00:00:00", dt.date(2026, 4, 1)),
        ("", None),
    ],
)
def test_it_reads_iso_slash_and_wareki_dates(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "H31.5.1", "令和0年1月1日", "4/1", "来年度", "R8.13.1"])
def test_it_refuses_dates_that_do_not_exist(text: str) -> None:
    with pytest.raises(ValueProblem):
        parse_date(text)


def test_more_rows_than_one_batch_are_created_then_transferred(world: World) -> None:
    first = people_csv(*(f"{10000 + i},留萌 {i},,正規職員,A210,,2025-04-01,,有" for i in range(2100)))
    second = people_csv(*(f"{10000 + i},留萌 {i},,正規職員,A300,,2026-04-01,,無" for i in range(2100)))
    people_import_commit(municipality=world.a, files=[("2025.csv", first)])

    plan, _ = people_import_commit(municipality=world.a, files=[("2026.csv", second)])

    assert plan.counts.assignments_closed == plan.counts.assignments_created == 2100
    assert Assignment.objects.filter(municipality=world.a, end_date=dt.date(2026, 3, 31)).count() == 2100
    assert Assignment.objects.filter(municipality=world.a, unit=world.other_a, end_date=None).count() == 2100


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statistics are PostgreSQL's")
def test_the_tables_an_import_wrote_are_analysed_once_it_commits(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    files = [(p.name, p.read_bytes()) for p in (DATA / "units-example.csv", DATA / "people-example.csv")]
    count_now(OrgUnit, Person, Assignment)
    before = {model: analyze_count(model) for model in (OrgUnit, Person, Assignment)}
    with django_capture_on_commit_callbacks(execute=True):
        people_import_commit(municipality=world.a, files=files)
    assert {model: analyze_count(model) for model in before} == {model: n + 1 for model, n in before.items()}
