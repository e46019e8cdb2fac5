"""Whatever the bytes, the importer answers with its own error type (or a plan listing issues), never a crash; and
the import itself saves everything the plan counted or, refused, nothing at all."""

from __future__ import annotations

import io

import openpyxl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from piaops.audittrail.models import Action, AuditEntry
from piaops.lib.mynumber import contains_my_number
from piaops.tenancy.models import Assignment, OrgUnit, Person
from piaops.tenancy.people_import.services import people_import_commit, people_import_plan
from piaops.tenancy.people_import.tables import ImportFileError, read_files
from tests.conftest import World
from tests.fuzzing import mutated_bytes

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


@settings(max_examples=40, deadline=None)
@given(content=mutated_xlsx())
def test_a_damaged_workbook_raises_nothing_but_the_importers_error(content: bytes) -> None:
    try:
        read_files([("people.xlsx", content)])
    except ImportFileError as exc:
        assert exc.issues


MUTATED_CSV = mutated_bytes(EXAMPLE, text=st.text(alphabet=st.characters(codec="utf-8"), max_size=30), edits=(0, 6))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=MUTATED_CSV)
def test_a_mutated_export_is_answered_with_issues_or_a_plan(world: World, content: bytes) -> None:
    plan = people_import_plan(municipality=world.a, files=[("people.csv", content)])

    assert all(issue.message for issue in plan.issues)
    assert not Person.objects.filter(municipality=world.a).exists()


def _saved() -> tuple[object, ...]:
    """What a people import writes: units, people, assignments (every column) and the audit trail."""
    tables = (OrgUnit, Person, Assignment)
    rows = tuple(sorted(map(repr, model.objects.values_list())) for model in tables)
    return (*rows, AuditEntry.objects.count())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.tuples(st.just("people.csv"), MUTATED_CSV) | st.tuples(st.just("people.xlsx"), mutated_xlsx()))
def test_a_mutated_export_is_imported_whole_or_refused_with_nothing_saved(
    world: World, file: tuple[str, bytes]
) -> None:
    before = _saved()
    people, assignments = Person.objects.count(), Assignment.objects.count()
    try:
        plan, entry = people_import_commit(municipality=world.a, files=[file])
    except ImportFileError as exc:
        event("refused")
        assert exc.issues and all(i.message.strip() and not contains_my_number(i.message) for i in exc.issues)
        assert _saved() == before  # no unit, person or assignment touched, no audit entry
        return
    event("imported")
    c = plan.counts
    assert Person.objects.count() == people + c.people_created
    assert Assignment.objects.count() == assignments + c.assignments_created
    staff = set(Person.objects.filter(municipality=world.a).values_list("staff_number", flat=True))
    assert {spec.staff_number for spec in plan._people_new} <= staff
    assert AuditEntry.objects.filter(pk=entry.pk, action=Action.IMPORT).exists()
