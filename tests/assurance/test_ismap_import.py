from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from piaops.assurance import services
from piaops.assurance.ismap_list import IsmapListError, ParsedList, parse_list
from piaops.assurance.models import CloudService, IsmapAlert, IsmapListEntry, IsmapSnapshot
from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.models import ImportedFile
from tests.assurance.helpers import HEADER, cells, cloud_service, csv_bytes, xlsx_bytes, xlsx_cells
from tests.conftest import World, login
from tests.fuzzing import mutated_bytes

D = dt.date
LIST_DATE = D(2025, 6, 1)


@pytest.fixture
def register(world: World) -> dict[str, CloudService]:
    m = world.a
    return {
        "steady": cloud_service(m, "C21-0001-1", audit_end=D(2025, 3, 31)),  # expires 2026-08-01
        "removed": cloud_service(m, "C21-0002-1", audit_end=D(2025, 3, 31)),
        "expired": cloud_service(m, "C21-0003-1", audit_end=D(2023, 12, 31)),  # expires 2025-05-01
        "pending": cloud_service(m, "C21-0004-1", audit_end=D(2023, 12, 31), renewal_applied_on=D(2025, 4, 1)),
        "expiring": cloud_service(m, "C21-0005-1", audit_end=D(2024, 2, 14)),  # expires 2025-06-15
        "renewed": cloud_service(m, "C21-0006-1", audit_end=D(2023, 12, 31), renewal_applied_on=D(2025, 4, 1)),
    }


LIST_ROWS = [
    ["C21-0001-1", "steady", "A社", "", "2026/8/1"],
    ["C21-0003-1", "expired", "A社", "", "2025/5/1"],
    ["C21-0004-1", "pending", "A社", "", "2025/5/1"],
    ["C21-0005-1", "expiring", "A社", "", "2025/6/15"],
    ["C21-0006-1", "renewed", "A社", "", "2026/5/1"],
    ["C99-0001-1", "not ours", "B社", "", "2026/5/1"],
]
LIST = csv_bytes(LIST_ROWS)


def test_comparing_a_snapshot_raises_removed_expired_expiring_and_renewed(
    world: World, register: dict[str, CloudService]
) -> None:
    result = services.ismap_import(municipality=world.a, content=LIST, file_name="list.csv", list_date=LIST_DATE)
    assert result.snapshot is not None
    raised = {a.service.registration_number: a.kind for a in IsmapAlert.objects.filter(snapshot=result.snapshot)}
    assert raised == {
        "C21-0002-1": IsmapAlert.Kind.REMOVED,
        "C21-0003-1": IsmapAlert.Kind.EXPIRED,
        "C21-0005-1": IsmapAlert.Kind.EXPIRING,
        "C21-0006-1": IsmapAlert.Kind.RENEWED,
    }
    # The register follows the list: the removed service is marked, the renewed one carries its new expiry.
    removed, renewed = (CloudService.objects.get(pk=register[k].pk) for k in ("removed", "renewed"))
    assert removed.delisted_on == LIST_DATE and not removed.is_valid(LIST_DATE)
    assert renewed.expires_on == D(2026, 5, 1) and renewed.renewal_applied_on is None
    # A renewal applied for before expiry keeps the service valid, with nothing raised.
    assert CloudService.objects.get(pk=register["pending"].pk).renewal_pending(LIST_DATE)


def test_the_snapshot_is_stored_with_its_date_hash_and_entries(world: World, register: dict[str, CloudService]) -> None:
    result = services.ismap_import(municipality=world.a, content=LIST, file_name="list.csv", list_date=LIST_DATE)
    snap = IsmapSnapshot.objects.get()
    assert snap == result.snapshot and snap.list_date == LIST_DATE and snap.entry_count == 6
    assert snap.file.read() == LIST and len(snap.sha256) == 64
    assert IsmapListEntry.objects.filter(snapshot=snap).count() == 6
    assert AuditEntry.objects.filter(municipality=world.a, action=Action.IMPORT, object_id=str(snap.pk)).exists()


def test_a_service_back_on_the_list_counts_as_renewed(world: World, register: dict[str, CloudService]) -> None:
    services.ismap_import(municipality=world.a, content=LIST, file_name="a.csv", list_date=LIST_DATE)
    back = csv_bytes([["C21-0002-1", "removed", "A社", "", "2026/8/1"]])
    later = services.ismap_import(municipality=world.a, content=back, file_name="b.csv", list_date=D(2025, 7, 1))
    kinds = {(o.service.registration_number, o.kind) for o in later.outcomes}
    assert ("C21-0002-1", IsmapAlert.Kind.RENEWED) in kinds
    assert CloudService.objects.get(pk=register["removed"].pk).delisted_on is None


def test_a_dry_run_reports_but_saves_nothing(world: World, register: dict[str, CloudService]) -> None:
    before = AuditEntry.objects.count()
    result = services.ismap_import(
        municipality=world.a, content=LIST, file_name="list.csv", list_date=LIST_DATE, dry_run=True
    )
    assert result.snapshot is None and len(result.outcomes) == 4
    assert not IsmapSnapshot.objects.exists() and not IsmapAlert.objects.exists()
    assert CloudService.objects.get(pk=register["removed"].pk).delisted_on is None
    assert AuditEntry.objects.count() == before


def test_a_bad_file_saves_nothing(world: World, register: dict[str, CloudService]) -> None:
    bad = csv_bytes([["C21-0001-1", "ok", "A社", "", ""], ["C21-0002-1", "", "A社", "", "2025/02/30"]])
    before = AuditEntry.objects.count()
    with pytest.raises(IsmapListError) as info:
        services.ismap_import(municipality=world.a, content=bad, file_name="bad.csv", list_date=LIST_DATE)
    assert info.value.errors == ["4行目: 「サービス名称」が空です。", "4行目: 「有効期限」を日付として読めません。"]
    assert not IsmapSnapshot.objects.exists() and not IsmapListEntry.objects.exists()
    assert AuditEntry.objects.count() == before
    assert CloudService.objects.filter(delisted_on__isnull=False).count() == 0


def test_the_stored_column_mapping_is_used_per_municipality(world: World, register: dict[str, CloudService]) -> None:
    data = csv_bytes([["C21-0001-1", "steady", "A社", "2026/8/1"]], header=["No", "名称", "会社", "期限"])
    services.ismap_settings_save(
        municipality=world.a,
        mapping={"registration_number": ["No"], "service_name": ["名称"], "provider": ["会社"], "expires_on": ["期限"]},
        warn_days=30,
    )
    result = services.ismap_import(municipality=world.b, content=LIST, file_name="b.csv", list_date=LIST_DATE)
    assert result.outcomes == []  # municipality B has no register: nothing of A's is compared
    with pytest.raises(IsmapListError):
        services.ismap_import(municipality=world.b, content=data, file_name="b.csv", list_date=LIST_DATE)
    result = services.ismap_import(municipality=world.a, content=data, file_name="a.csv", list_date=LIST_DATE)
    assert result.parsed.entries[0].expires_on == D(2026, 8, 1)


def test_the_command_imports_and_reports(world: World, register: dict[str, CloudService], tmp_path: Path) -> None:
    path = tmp_path / "ismap.csv"
    path.write_bytes(LIST)
    out = _run(path, "--municipality", "011002", "--date", "2025-06-01", "--dry-run")
    assert "6件のサービスを読み取りました" in out and "リストから削除" in out and "保存していません" in out
    assert not IsmapSnapshot.objects.exists()
    out = _run(path, "--municipality", "011002", "--date", "2025-06-01")
    assert "保存しました" in out
    assert IsmapSnapshot.objects.get().list_date == LIST_DATE


def test_the_command_lists_every_problem_and_saves_nothing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([["", "x", "y", "", ""], ["C1", "x", "y", "昨日", ""]], encoding="cp932"))
    with pytest.raises(CommandError) as info:
        _run(path, "--municipality", "011002")
    assert "3行目: 「登録番号」が空です。" in str(info.value)
    assert "4行目: 「登録日」を日付として読めません。" in str(info.value)
    assert not IsmapSnapshot.objects.exists()
    with pytest.raises(CommandError, match="団体コード 999999"):
        _run(path, "--municipality", "999999")


@pytest.mark.parametrize("name", [" ", ".", "..", "a/", "../list.csv"])
def test_any_file_name_a_client_sends_is_kept_with_the_snapshot(world: World, name: str) -> None:
    """Found by the fuzzer: the API passes the file name as sent, and the storage could not derive a name from " "
    (SuspiciousFileOperation, a 500 after the file had been checked)."""
    result = services.ismap_import(municipality=world.a, content=LIST, file_name=name, list_date=LIST_DATE)
    assert result.snapshot is not None and result.snapshot.file_name == name
    assert IsmapSnapshot.objects.get().file.read() == LIST


# ---- fuzzing the import itself: whatever the file, all of it is stored or nothing is ---------------------------

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Names as they reach the service: the page passes the upload's base name, the API whatever the client sent
# (1-255 characters), the command the file's name. The extension decides CSV or XLSX.
FILE_NAMES = st.sampled_from(
    ["list.csv", "リスト.CSV", "list.xlsx", "list", "", " ", ".csv", "../list.csv", "a/b/list.csv", "x" * 250 + ".csv"]
)
LIST_DATES = st.dates(min_value=D(2019, 1, 1), max_value=D(2026, 11, 30))  # a list is never dated in the future


def _state() -> tuple[object, ...]:
    """Everything an ISMAP import writes: snapshots, their rows, alerts, the register and the audit trail."""
    register = list(
        CloudService.objects.order_by("pk").values_list(
            "pk", "delisted_on", "expires_on", "audit_period_end", "registered_on", "renewal_applied_on"
        )
    )
    counts = (m.objects.count() for m in (IsmapSnapshot, IsmapListEntry, IsmapAlert, AuditEntry))
    return (*counts, register)


def _import_and_check(world: World, content: bytes, file_name: str, list_date: dt.date) -> None:
    before = _state()
    # Hypothesis may draw the same bytes twice in one test: the second time they are refused as imported already.
    seen = ImportedFile.objects.filter(municipality=world.a, sha256=hashlib.sha256(content).hexdigest()).exists()
    try:
        expected: ParsedList | None = (
            None
            if seen
            else parse_list(content, filename=file_name, mapping=services.ismap_settings_for(world.a).mapping)
        )
    except IsmapListError:
        expected = None
    try:
        result = services.ismap_import(municipality=world.a, content=content, file_name=file_name, list_date=list_date)
    except IsmapListError as exc:
        event("refused")
        assert expected is None, "the service refused a file its parser accepts"
        assert exc.errors and all(isinstance(e, str) and e.strip() for e in exc.errors)
        assert _state() == before  # nothing saved: no snapshot, no row, no alert, no register change, no audit
        return
    event("stored")
    assert expected is not None
    snap = result.snapshot
    assert snap is not None
    stored = IsmapListEntry.objects.filter(snapshot=snap).order_by("line")
    fields = ("line", "registration_number", "service_name", "provider", "program")
    fields += ("registered_on", "expires_on", "audit_period_end")
    assert list(stored.values_list(*fields)) == [tuple(getattr(e, f) for f in fields) for e in expected.entries]
    assert snap.entry_count == len(expected.entries) and snap.encoding == expected.encoding
    assert snap.list_date == list_date and snap.file.read() == content
    snapshots, entries, alerts, audit, _ = before
    assert IsmapSnapshot.objects.count() == snapshots + 1
    assert IsmapListEntry.objects.count() == entries + len(expected.entries)
    assert IsmapAlert.objects.filter(snapshot=snap).count() == len(result.outcomes)
    assert IsmapAlert.objects.count() == alerts + len(result.outcomes)
    assert AuditEntry.objects.filter(action=Action.IMPORT, object_id=str(snap.pk)).count() == 1
    assert AuditEntry.objects.count() > audit
    for outcome in result.outcomes:  # and the register follows the list, every change of every outcome
        service = CloudService.objects.get(pk=outcome.service.pk)
        assert {name: getattr(service, name) for name in outcome.changes} == outcome.changes


@FUZZ
@given(
    content=mutated_bytes(LIST, text=cells, edits=(0, 3)),
    file_name=st.just("list.csv") | FILE_NAMES,
    list_date=LIST_DATES,
)
def test_a_mutated_list_is_stored_whole_or_refused_with_nothing_saved(
    world: World, register: dict[str, CloudService], content: bytes, file_name: str, list_date: dt.date
) -> None:
    _import_and_check(world, content, file_name, list_date)


@st.composite
def mutated_rows(draw: st.DrawFn) -> list[list[str]]:
    """The example list with cells replaced and rows deleted or repeated: mostly still importable, so that the
    examples reach the write as often as the refusal."""
    rows = [list(row) for row in LIST_ROWS]
    for _ in range(draw(st.integers(0, 4))):
        if not rows:
            break
        i, op = draw(st.integers(0, len(rows) - 1)), draw(st.sampled_from(["cell", "cell", "delete", "repeat"]))
        if op == "cell":
            rows[i][draw(st.integers(0, len(HEADER) - 1))] = draw(cells)
        elif op == "delete":
            del rows[i]
        else:
            rows.insert(i, list(rows[i]))
    return rows


@FUZZ
@given(
    rows=mutated_rows(),
    header=st.sampled_from([HEADER, HEADER[:3], HEADER[::-1], ["x", "y"]]),
    encoding=st.sampled_from(["utf-8", "cp932"]),
    list_date=LIST_DATES,
)
def test_a_list_with_changed_rows_is_stored_whole_or_refused_with_nothing_saved(
    world: World,
    register: dict[str, CloudService],
    rows: list[list[str]],
    header: list[str],
    encoding: str,
    list_date: dt.date,
) -> None:
    text = "\r\n".join(",".join(r) for r in [header, *rows])
    _import_and_check(world, text.encode(encoding, errors="replace"), "list.csv", list_date)


@FUZZ
@given(
    rows=st.lists(st.lists(xlsx_cells, max_size=6), max_size=3),
    header=st.sampled_from([HEADER, HEADER[:3], []]),
    keep_example=st.booleans(),
)
def test_a_random_workbook_is_stored_whole_or_refused_with_nothing_saved(
    world: World, register: dict[str, CloudService], rows: list[list[object]], header: list[str], keep_example: bool
) -> None:
    example: list[list[object]] = [list(r) for r in LIST_ROWS] if keep_example else []
    _import_and_check(world, xlsx_bytes([*example, *rows], header=header), "list.xlsx", LIST_DATE)


@settings(FUZZ, max_examples=30)
@given(content=st.binary(max_size=400) | st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b), name=FILE_NAMES)
def test_random_bytes_are_refused_with_nothing_saved(
    world: World, register: dict[str, CloudService], content: bytes, name: str
) -> None:
    _import_and_check(world, content, name, LIST_DATE)


def _run(*args: object) -> str:
    from io import StringIO

    out = StringIO()
    call_command("ismap_import", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_a_list_dated_in_the_future_is_refused_with_nothing_saved(
    world: World, register: dict[str, CloudService], tmp_path: Path
) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(IsmapListError, match="未来の日付"):
        services.ismap_import(municipality=world.a, content=LIST, file_name="list.csv", list_date=tomorrow)
    assert not IsmapSnapshot.objects.exists() and not IsmapAlert.objects.exists()
    assert CloudService.objects.filter(delisted_on__isnull=False).count() == 0
    path = tmp_path / "list.csv"
    path.write_bytes(LIST)
    with pytest.raises(CommandError, match="未来の日付"):
        call_command("ismap_import", str(path), municipality=world.a.code, date=tomorrow.isoformat())


def test_the_register_never_shows_a_removed_service_as_valid(world: World, register: dict[str, CloudService]) -> None:
    services.ismap_import(municipality=world.a, content=LIST, file_name="list.csv", list_date=LIST_DATE)
    # A removal dated later than the day shown (a list stored before future dates were refused) still counts.
    CloudService.objects.filter(pk=register["steady"].pk).update(delisted_on=dt.date.today() + dt.timedelta(days=30))
    page = login(world.admin_a).get("/assurance/ismap/").content.decode()
    alerts = set(IsmapAlert.objects.filter(kind=IsmapAlert.Kind.REMOVED).values_list("service_id", flat=True))
    for pk in [*alerts, register["steady"].pk]:
        service = CloudService.objects.get(pk=pk)
        assert not service.is_valid(dt.date.today())
        row = page.split(service.registration_number, 1)[1].split("</tr>", 1)[0]
        assert "リストから削除" in row and ">有効<" not in row
