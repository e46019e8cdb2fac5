"""Third-party assurance over the API: contracts with their 再委託 chain, obligations, the ISMAP register and list
snapshots, and the ISMAP list import (all or nothing)."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

import pytest

from piaops.api.models import Scope
from piaops.assurance import services
from piaops.assurance.models import (
    CloudService,
    Contract,
    IsmapAlert,
    IsmapListEntry,
    IsmapSnapshot,
    Obligation,
    Subcontract,
)
from piaops.tenancy.models import Party
from tests import factories as f
from tests.api.conftest import TokenFor
from tests.assurance.helpers import cloud_service, csv_bytes, obligation, xlsx_bytes
from tests.conftest import World

D = dt.date
MY_NUMBER = "123456789018"  # published test vector (valid check digit)


@dataclass
class Assurance:
    asp: Party
    other: Party
    contract: Contract
    other_contract: Contract
    direct: Subcontract
    below: Subcontract
    obligation: Obligation
    service: CloudService
    snapshot: IsmapSnapshot


@pytest.fixture
def assured(world: World) -> Assurance:
    a = world.a
    asp = f.party(a, "税務システム株式会社", Party.Kind.ASP)
    other = f.party(a, "保守サービス株式会社", Party.Kind.CONTRACTOR)
    contract = services.contract_save(
        contract=Contract(municipality=a, party=asp, title="税務システム運用委託", start_date=D(2025, 4, 1)),
        works=[f.work(a)],
    )
    other_contract = services.contract_save(
        contract=Contract(municipality=a, party=other, title="機器保守", start_date=D(2025, 4, 1))
    )
    direct = services.subcontract_save(
        subcontract=Subcontract(municipality=a, contract=contract, name="データ入力株式会社")
    )
    below = services.subcontract_save(
        subcontract=Subcontract(municipality=a, contract=contract, parent=direct, name="入力補助合同会社")
    )
    duty = obligation(a, asp, due=D(2026, 3, 31), contract=contract)
    service = cloud_service(a, "C21-0001-1", audit_end=D(2025, 3, 31))
    imported = services.ismap_import(
        municipality=a,
        content=csv_bytes([["C21-0001-1", "基盤", "A社", "", "2026/8/1"], ["C99-0001-1", "他", "B社", "", ""]]),
        file_name="list.csv",
        list_date=D(2025, 6, 1),
    )
    assert imported.snapshot is not None
    return Assurance(asp, other, contract, other_contract, direct, below, duty, service, imported.snapshot)


def test_the_admin_reads_contracts_with_their_chain_obligations_and_the_register(
    world: World, assured: Assurance, token_for: TokenFor
) -> None:
    admin = token_for(world.admin_a, Scope.READ)
    contracts = admin.get("/assurance/contracts").json()["items"]
    assert {c["title"] for c in contracts} == {"税務システム運用委託", "機器保守"}
    assert [c["id"] for c in admin.get("/assurance/contracts", party_id=assured.asp.pk).json()["items"]] == [
        assured.contract.pk
    ]
    detail = admin.get(f"/assurance/contracts/{assured.contract.pk}").json()
    assert len(detail["work_ids"]) == 1
    assert [(s["name"], s["depth"], s["parent_id"]) for s in detail["subcontracts"]] == [
        ("データ入力株式会社", 1, None),
        ("入力補助合同会社", 2, assured.direct.pk),
    ]
    duty = admin.get(f"/assurance/obligations/{assured.obligation.pk}").json()
    assert duty["contract_id"] == assured.contract.pk and duty["overdue"] is True
    assert [e["kind"] for e in duty["events"]] == ["created"]
    assert [o["id"] for o in admin.get("/assurance/obligations", state="overdue").json()["items"]] == [
        assured.obligation.pk
    ]
    services_list = admin.get("/assurance/cloud-services").json()["items"]
    assert [(s["registration_number"], s["expires_on"]) for s in services_list] == [("C21-0001-1", "2026-08-01")]
    assert admin.get(f"/assurance/cloud-services/{assured.service.pk}").json()["provider"] == "クラウド株式会社"
    assert [s["id"] for s in admin.get("/assurance/ismap/snapshots").json()["items"]] == [assured.snapshot.pk]
    snapshot = admin.get(f"/assurance/ismap/snapshots/{assured.snapshot.pk}").json()
    assert snapshot["entry_count"] == 2 and snapshot["file_name"] == "list.csv"
    entries = admin.get(f"/assurance/ismap/snapshots/{assured.snapshot.pk}/entries", limit=1).json()
    assert [e["registration_number"] for e in entries["items"]] == ["C21-0001-1"]
    assert entries["next_cursor"] is not None


def test_a_contractor_sees_only_their_own_party_and_not_the_register(
    world: World, assured: Assurance, token_for: TokenFor
) -> None:
    contractor = token_for(f.user(world.a, "asp_staff", f.Role.CONTRACTOR, party=assured.asp), Scope.READ)
    assert [c["id"] for c in contractor.get("/assurance/contracts").json()["items"]] == [assured.contract.pk]
    assert contractor.get(f"/assurance/contracts/{assured.other_contract.pk}").status_code == 404
    assert contractor.get(f"/assurance/obligations/{assured.obligation.pk}").status_code == 200
    assert contractor.get("/assurance/cloud-services").status_code == 403
    assert contractor.get(f"/assurance/ismap/snapshots/{assured.snapshot.pk}").status_code == 403


def test_an_outsider_gets_404_and_sees_nothing(world: World, assured: Assurance, token_for: TokenFor) -> None:
    outsider = token_for(world.user_b)
    for path in (
        f"/assurance/contracts/{assured.contract.pk}",
        f"/assurance/obligations/{assured.obligation.pk}",
        f"/assurance/cloud-services/{assured.service.pk}",
        f"/assurance/ismap/snapshots/{assured.snapshot.pk}",
        f"/assurance/ismap/snapshots/{assured.snapshot.pk}/entries",
    ):
        assert outsider.get(path).status_code == 404, path
    for path in (
        "/assurance/contracts",
        "/assurance/obligations",
        "/assurance/cloud-services",
        "/assurance/ismap/snapshots",
    ):
        assert outsider.get(path).json()["items"] == [], path


def _list(rows: list[list[str]]) -> dict[str, object]:
    return {"content": csv_bytes(rows).decode(), "file_name": "ismap.csv", "list_date": "2026-07-01"}


def test_an_ismap_list_is_previewed_then_imported_with_its_alerts(
    world: World, assured: Assurance, token_for: TokenFor
) -> None:
    admin = token_for(world.admin_a)
    preview = admin.post("/assurance/ismap/snapshots", _list([["C99-0001-1", "他", "B社", "", ""]]) | {"dry_run": True})
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["entry_count"] == 1
    assert [(o["service_id"], o["kind"], o["label"]) for o in body["outcomes"]] == [
        (assured.service.pk, "removed", "リストから削除")
    ]
    assert IsmapSnapshot.objects.count() == 1
    saved = admin.post("/assurance/ismap/snapshots", _list([["C99-0001-1", "他", "B社", "", ""]]))
    assert saved.status_code == 201
    snapshot = saved.json()
    assert [a["kind"] for a in snapshot["alerts"]] == ["removed"]
    assert CloudService.objects.get(pk=assured.service.pk).delisted_on == D(2026, 7, 1)
    # An XLSX list comes as base64.
    xlsx = xlsx_bytes([["C21-0001-1", "基盤", "A社", None, "2027/8/1"]])
    sent = admin.post(
        "/assurance/ismap/snapshots",
        {"content_base64": base64.b64encode(xlsx).decode(), "file_name": "list.xlsx", "list_date": "2026-07-02"},
    )
    assert sent.status_code == 201 and sent.json()["encoding"] == "xlsx"


def test_a_bad_ismap_list_names_its_lines_and_saves_nothing(
    world: World, assured: Assurance, token_for: TokenFor
) -> None:
    admin = token_for(world.admin_a)
    response = admin.post(
        "/assurance/ismap/snapshots",
        _list(
            [
                ["C21-0001-1", "基盤", "A社", "", "2026/8/1"],
                ["", "名無し", "C社", "", ""],
                ["C21-0009-1", MY_NUMBER, "D社", "", ""],
            ]
        ),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_rejected"
    assert [d["line"] for d in error["details"]] == [4, 5]
    assert "「登録番号」が空です" in error["details"][0]["message"]
    assert "個人番号" in error["details"][1]["message"]
    assert MY_NUMBER not in response.content.decode()
    assert IsmapSnapshot.objects.count() == 1 and IsmapListEntry.objects.count() == 2
    assert IsmapAlert.objects.filter(snapshot__list_date=D(2026, 7, 1)).count() == 0


def test_ismap_import_refuses_read_only_personas_and_read_scope_tokens(
    world: World, assured: Assurance, token_for: TokenFor
) -> None:
    rows = [["C21-0001-1", "基盤", "A社", "", "2026/8/1"]]
    for api in (token_for(world.viewer_a), token_for(world.admin_a, Scope.READ), token_for(world.head_a)):
        response = api.post("/assurance/ismap/snapshots", _list(rows))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert IsmapSnapshot.objects.count() == 1
