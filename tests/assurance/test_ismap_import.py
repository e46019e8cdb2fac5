from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from piaops.assurance import services
from piaops.assurance.ismap_list import IsmapListError
from piaops.assurance.models import CloudService, IsmapAlert, IsmapListEntry, IsmapSnapshot
from piaops.audittrail.models import Action, AuditEntry
from tests.assurance.helpers import cloud_service, csv_bytes
from tests.conftest import World

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


LIST = csv_bytes(
    [
        ["C21-0001-1", "steady", "A社", "", "2026/8/1"],
        ["C21-0003-1", "expired", "A社", "", "2025/5/1"],
        ["C21-0004-1", "pending", "A社", "", "2025/5/1"],
        ["C21-0005-1", "expiring", "A社", "", "2025/6/15"],
        ["C21-0006-1", "renewed", "A社", "", "2026/5/1"],
        ["C99-0001-1", "not ours", "B社", "", "2026/5/1"],
    ]
)


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


def _run(*args: object) -> str:
    from io import StringIO

    out = StringIO()
    call_command("ismap_import", *[str(a) for a in args], stdout=out)
    return out.getvalue()
