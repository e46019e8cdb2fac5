"""Whatever the bytes, the importer answers with its own error type (or a plan listing issues), never a crash."""

from __future__ import annotations

import io

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piaops.tenancy.import_tables import ImportFileError, read_files
from piaops.tenancy.importing import people_import_plan
from piaops.tenancy.models import Person
from tests.conftest import World

# Rows that the ``world`` fixture's units make valid, so that mutants reach every check, not only the header.
EXAMPLE = (
    "\ufeff職員番号,氏名,氏名カナ,雇用形態,所属組織コード,職名,配属開始日,配属終了日,特定個人情報取扱,メールアドレス\n"
    "0010001,札幌 花子,サッポロ ハナコ,正規職員,A210,課長,2024-04-01,,有,hanako@example.jp\n"
    "0010002,北 一郎,キタ イチロウ,会計年度任用職員,A211,事務補助,R8.4.1,R9.3.31,有,\n"
    "0010003,中央 次郎,チュウオウ ジロウ,再任用職員,A300,専門員,令和7年4月1日,,無,\n"
).encode()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for line in EXAMPLE.decode("utf-8-sig").splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX = _xlsx()
NAMES = st.sampled_from(["people.csv", "people.xlsx", "people.xls", "people.txt", ""])


@st.composite
def mutated_xlsx(draw: st.DrawFn) -> bytes:
    data = bytearray(XLSX)
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    return bytes(data)


@settings(max_examples=300, deadline=None)
@given(name=NAMES, content=st.binary(max_size=2000) | st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b))
def test_random_bytes_raise_nothing_but_the_importers_error(name: str, content: bytes) -> None:
    try:
        read_files([(name, content)])
    except ImportFileError as exc:
        assert exc.issues and all(i.message for i in exc.issues)


@st.composite
def mutated_csv(draw: st.DrawFn) -> bytes:
    """The example file with bytes replaced, inserted or deleted, and text cells swapped for random text."""
    data = bytearray(EXAMPLE)
    for _ in range(draw(st.integers(0, 6))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["replace", "insert", "delete", "text"]))
        if action == "replace" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 20))]
        else:
            chunk = draw(st.text(alphabet=st.characters(codec="utf-8"), max_size=30)).encode()
            data[position:position] = chunk
    return bytes(data)


@settings(max_examples=40, deadline=None)
@given(content=mutated_xlsx())
def test_a_damaged_workbook_raises_nothing_but_the_importers_error(content: bytes) -> None:
    try:
        read_files([("people.xlsx", content)])
    except ImportFileError as exc:
        assert exc.issues


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=mutated_csv())
def test_a_mutated_export_is_answered_with_issues_or_a_plan(world: World, content: bytes) -> None:
    plan = people_import_plan(municipality=world.a, files=[("people.csv", content)])

    assert all(issue.message for issue in plan.issues)
    assert not Person.objects.filter(municipality=world.a).exists()
