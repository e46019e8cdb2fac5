from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from piaops.assurance import services
from piaops.assurance.models import (
    CloudService,
    Contract,
    Evidence,
    IsmapAlert,
    IsmapSnapshot,
    Obligation,
    Responsibility,
    Subcontract,
)
from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.models import Party, Role, User
from tests import factories as f
from tests.assurance.helpers import cloud_service, csv_bytes, obligation
from tests.conftest import World, login
from tests.jobs.runner import run_jobs

D = dt.date
TODAY = D(2026, 11, 25)


@dataclass
class Data:
    jlis: Party
    eltax: Party
    contract: Contract
    subcontract: Subcontract
    own: Obligation  # the contractor's party (J-LIS)
    other: Obligation  # another party (eLTAX)
    evidence: Evidence
    other_evidence: Evidence
    service: CloudService
    snapshot: IsmapSnapshot
    alert: IsmapAlert
    row: Responsibility
    contractor: User


def _evidence(o: Obligation) -> Evidence:
    return services.evidence_submit(
        obligation=o,
        file_name="報告.txt",
        content="自己点検報告".encode(),
        period_from=D(2025, 4, 1),
        period_to=D(2026, 3, 31),
        received_on=D(2026, 4, 10),
        submitted_by=None,
    )


@pytest.fixture
def data(world: World) -> Data:
    m = world.a
    jlis = f.party(m, "地方公共団体情報システム機構", Party.Kind.INTERMEDIATE_SERVER)
    eltax = f.party(m, "eLTAX委託先", Party.Kind.ELTAX_CONTRACTOR)
    contract = services.contract_save(
        contract=Contract(municipality=m, party=jlis, title="中間サーバー利用契約", start_date=D(2026, 4, 1))
    )
    subcontract = services.subcontract_save(
        subcontract=Subcontract(municipality=m, contract=contract, name="運用会社", approval="requested")
    )
    own = obligation(m, jlis, due=D(2026, 10, 30), title="J-LISの定期的な自己点検", contract=contract)
    other = obligation(m, eltax, due=D(2027, 3, 31), title="eLTAXの外部監査")
    service = cloud_service(m, "C21-0001-1", audit_end=D(2026, 3, 31), name="クラウド基盤")
    cloud_service(m, "C21-0002-1", audit_end=D(2025, 3, 31), name="消えるサービス")
    result = services.ismap_import(
        municipality=m,
        content=csv_bytes([["C21-0001-1", "クラウド基盤", "A社", "", "2027/8/1"]]),
        file_name="list.csv",
        list_date=TODAY,
    )
    assert result.snapshot is not None
    services.matrix_prefill(municipality=m)
    return Data(
        jlis=jlis,
        eltax=eltax,
        contract=contract,
        subcontract=subcontract,
        own=own,
        other=other,
        evidence=_evidence(own),
        other_evidence=_evidence(other),
        service=service,
        snapshot=result.snapshot,
        alert=result.snapshot.alerts.get(),
        row=Responsibility.objects.for_municipality(m).first(),  # type: ignore[arg-type]
        contractor=f.user(m, "contractor_a", Role.CONTRACTOR, party=jlis),
    )


def object_pages(d: Data) -> list[str]:
    """Every page that names an object of municipality A."""
    return [
        reverse("assurance:party_detail", args=[d.jlis.pk]),
        reverse("assurance:contract_create", args=[d.jlis.pk]),
        reverse("assurance:contract_detail", args=[d.contract.pk]),
        reverse("assurance:contract_edit", args=[d.contract.pk]),
        reverse("assurance:subcontract_create", args=[d.contract.pk]),
        reverse("assurance:subcontract_edit", args=[d.subcontract.pk]),
        reverse("assurance:obligation_detail", args=[d.own.pk]),
        reverse("assurance:obligation_edit", args=[d.own.pk]),
        reverse("assurance:evidence_submit", args=[d.own.pk]),
        reverse("assurance:evidence_download", args=[d.evidence.pk]),
        reverse("assurance:cloud_service_edit", args=[d.service.pk]),
        reverse("assurance:ismap_snapshot", args=[d.snapshot.pk]),
        reverse("assurance:matrix_row_edit", args=[d.row.pk]),
    ]


def object_posts(d: Data) -> list[str]:
    return [
        reverse("assurance:evidence_review", args=[d.evidence.pk]),
        reverse("assurance:ismap_alert_acknowledge", args=[d.alert.pk]),
        reverse("assurance:matrix_row_delete", args=[d.row.pk]),
    ]


def read_pages(d: Data) -> list[str]:
    return [
        reverse("assurance:index"),
        reverse("assurance:party_detail", args=[d.jlis.pk]),
        reverse("assurance:contract_detail", args=[d.contract.pk]),
        reverse("assurance:obligation_list"),
        reverse("assurance:obligation_list") + "?state=overdue",
        reverse("assurance:obligation_detail", args=[d.own.pk]),
        reverse("assurance:evidence_download", args=[d.evidence.pk]),
        reverse("assurance:ismap_register"),
        reverse("assurance:ismap_snapshot", args=[d.snapshot.pk]),
        reverse("assurance:matrix"),
        reverse("assurance:matrix_export_csv"),
        reverse("assurance:matrix_export_xlsx"),
    ]


def write_pages(d: Data) -> list[str]:
    return [
        reverse("assurance:contract_create", args=[d.jlis.pk]),
        reverse("assurance:contract_edit", args=[d.contract.pk]),
        reverse("assurance:subcontract_create", args=[d.contract.pk]),
        reverse("assurance:subcontract_edit", args=[d.subcontract.pk]),
        reverse("assurance:obligation_create"),
        reverse("assurance:obligation_edit", args=[d.own.pk]),
        reverse("assurance:evidence_submit", args=[d.own.pk]),
        reverse("assurance:cloud_service_create"),
        reverse("assurance:cloud_service_edit", args=[d.service.pk]),
        reverse("assurance:ismap_import"),
        reverse("assurance:ismap_mapping"),
        reverse("assurance:matrix_row_create"),
        reverse("assurance:matrix_row_edit", args=[d.row.pk]),
    ]


def write_posts(d: Data) -> list[str]:
    return [
        *object_posts(d),
        reverse("assurance:obligations_sync"),
        reverse("assurance:matrix_prefill"),
    ]


@time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False)
def test_every_page_answers_the_admin(data: Data, as_admin: Client) -> None:
    for url in read_pages(data) + write_pages(data):
        assert as_admin.get(url).status_code == 200, url


def test_another_municipalitys_objects_answer_404(data: Data, as_outsider: Client) -> None:
    for url in object_pages(data):
        assert as_outsider.get(url).status_code == 404, url
    for url in object_posts(data):
        assert as_outsider.post(url, {"decision": "accept"}).status_code == 404, url
    assert Evidence.objects.get(pk=data.evidence.pk).conclusion == Evidence.Conclusion.PENDING
    assert Responsibility.objects.filter(pk=data.row.pk).exists()


def test_lists_of_another_municipality_show_none_of_its_rows(data: Data, as_outsider: Client) -> None:
    for name in ("index", "obligation_list", "ismap_register", "matrix"):
        body = as_outsider.get(reverse(f"assurance:{name}")).content.decode()
        assert "J-LISの定期的な自己点検" not in body and "クラウド基盤" not in body, name
        assert "データセンターの物理的安全管理" not in body, name


def test_the_read_only_role_reads_but_every_write_answers_403(data: Data, as_viewer: Client) -> None:
    for url in read_pages(data):
        assert as_viewer.get(url).status_code == 200, url
    for url in write_pages(data):
        assert as_viewer.get(url).status_code == 403, url
        assert as_viewer.post(url, {}).status_code == 403, url
    for url in write_posts(data):
        assert as_viewer.post(url, {"decision": "accept"}).status_code == 403, url
    assert Evidence.objects.get(pk=data.evidence.pk).conclusion == Evidence.Conclusion.PENDING


def test_a_contractor_sees_only_their_own_party(data: Data) -> None:
    client = login(data.contractor)
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False):
        index = client.get(reverse("assurance:index")).content.decode()
    assert "J-LISの定期的な自己点検" in index and "eLTAX" not in index
    listing = client.get(reverse("assurance:obligation_list")).content.decode()
    assert "J-LISの定期的な自己点検" in listing and "eLTAXの外部監査" not in listing
    assert client.get(reverse("assurance:obligation_detail", args=[data.own.pk])).status_code == 200
    assert client.get(reverse("assurance:contract_detail", args=[data.contract.pk])).status_code == 200
    # Another party of the same municipality: 403 (``tenant_object``: 404 only outside the municipality).
    for url in [
        reverse("assurance:obligation_detail", args=[data.other.pk]),
        reverse("assurance:evidence_submit", args=[data.other.pk]),
        reverse("assurance:evidence_download", args=[data.other_evidence.pk]),
        reverse("assurance:party_detail", args=[data.eltax.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    for url in [
        reverse("assurance:ismap_register"),
        reverse("assurance:matrix"),
        reverse("assurance:obligation_create"),
    ]:
        assert client.get(url).status_code == 403, url
    assert (
        client.post(reverse("assurance:evidence_review", args=[data.evidence.pk]), {"decision": "accept"}).status_code
        == 403
    )


def _upload(client: Client, o: Obligation, content: bytes, name: str = "報告書.txt") -> int:
    response = client.post(
        reverse("assurance:evidence_submit", args=[o.pk]),
        {
            "file": SimpleUploadedFile(name, content),
            "period_from": "2026-04-01",
            "period_to": "2026-09-30",
            "received_on": "2026-10-05",
            "summary": "上期の報告",
        },
    )
    return response.status_code


def test_a_contractor_submits_evidence_for_their_party_and_the_admin_accepts_it(
    data: Data, world: World, as_admin: Client
) -> None:
    client = login(data.contractor)
    assert _upload(client, data.own, b"first half report") == 302
    evidence = Evidence.objects.get(obligation=data.own, summary="上期の報告")
    assert evidence.submitted_by == data.contractor and evidence.conclusion == Evidence.Conclusion.PENDING
    assert _upload(client, data.other, b"not mine") == 403
    response = as_admin.post(
        reverse("assurance:evidence_review", args=[evidence.pk]), {"decision": "accept", "note": "確認済"}
    )
    assert response.status_code == 302
    data.own.refresh_from_db()
    assert data.own.next_due == D(2027, 11, 1)  # 2027-10-30 is a Saturday: the next 開庁日 is Monday
    evidence.refresh_from_db()
    assert evidence.conclusion == Evidence.Conclusion.ACCEPTED and evidence.reviewer == world.admin_a


def test_an_upload_with_a_my_number_is_refused_with_the_file_and_line(data: Data) -> None:
    client = login(data.contractor)
    response = client.post(
        reverse("assurance:evidence_submit", args=[data.own.pk]),
        {
            "file": SimpleUploadedFile("名簿.csv", "氏名,番号\n札幌太郎,123456789018\n".encode()),
            "period_from": "2026-04-01",
            "period_to": "2026-09-30",
            "received_on": "2026-10-05",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "名簿.csv" in body and "2行目" in body and "123456789018" not in body
    assert Evidence.objects.filter(obligation=data.own).count() == 1  # only the fixture's


def test_the_import_page_shows_line_numbered_errors_and_saves_nothing(data: Data, as_admin: Client) -> None:
    bad = csv_bytes([["C21-0009-1", "", "A社", "", ""]])
    response = as_admin.post(
        reverse("assurance:ismap_import"),
        {"file": SimpleUploadedFile("bad.csv", bad), "list_date": "2026-11-25"},
    )
    body = response.content.decode()
    assert (
        response.status_code == 200 and "3行目: 「サービス名称」が空です。" in body and "何も保存していません" in body
    )
    assert IsmapSnapshot.objects.count() == 1


def test_the_import_page_stores_a_snapshot_and_shows_its_alerts(data: Data, as_admin: Client) -> None:
    good = csv_bytes([["C21-0009-1", "別のサービス", "A社", "", ""]])
    response = as_admin.post(
        reverse("assurance:ismap_import"), {"file": SimpleUploadedFile("good.csv", good), "list_date": "2026-12-01"}
    )
    assert response.status_code == 302 and IsmapSnapshot.objects.count() == 1  # the import is a background job
    run_jobs()
    job_page = as_admin.get(response["Location"]).content.decode()
    assert "ISMAPリストを取り込みました（1件）" in job_page
    snapshot = re.search(r'href="(/assurance/ismap/snapshots/\d+/)"', job_page)
    assert snapshot, job_page
    body = as_admin.get(snapshot.group(1)).content.decode()
    assert "リストから削除" in body and "クラウド基盤" in body
    assert IsmapSnapshot.objects.count() == 2


def test_the_mapping_page_stores_the_columns_per_municipality(data: Data, as_admin: Client) -> None:
    post = {name: "列" + name for name in ("registration_number", "service_name", "provider")}
    post.update(
        registered_on="登録日", expires_on="有効期限、期限", audit_period_end="末日", program="", warn_days="60"
    )
    assert as_admin.post(reverse("assurance:ismap_mapping"), post).status_code == 302
    stored = services.ismap_settings_for(data.contract.municipality)
    assert stored.warn_days == 60 and stored.mapping["expires_on"] == ["有効期限", "期限"]
    assert stored.mapping["registration_number"] == ["列registration_number"]


def test_the_admin_creates_a_contract_with_its_works(data: Data, as_admin: Client, world: World) -> None:
    work = f.work(world.a)
    response = as_admin.post(
        reverse("assurance:contract_create", args=[data.eltax.pk]),
        {"title": "eLTAX 契約", "start_date": "2026-04-01", "end_date": "2027-03-31", "works": [work.pk]},
    )
    assert response.status_code == 302
    contract = Contract.objects.get(title="eLTAX 契約")
    assert contract.party == data.eltax and list(contract.works.all()) == [work]
    assert AuditEntry.objects.filter(object_type="assurance.Contract", object_id=str(contract.pk)).exists()


def test_a_contract_ending_before_it_starts_is_refused(data: Data, as_admin: Client) -> None:
    response = as_admin.post(
        reverse("assurance:contract_create", args=[data.eltax.pk]),
        {"title": "逆転", "start_date": "2026-04-01", "end_date": "2026-03-31"},
    )
    assert response.status_code == 200 and "終了日は開始日以降" in response.content.decode()
    assert not Contract.objects.filter(title="逆転").exists()


def test_the_subcontract_chain_shows_each_link_with_its_approval(data: Data, as_admin: Client) -> None:
    url = reverse("assurance:subcontract_create", args=[data.contract.pk])
    response = as_admin.post(
        url,
        {
            "parent": data.subcontract.pk,
            "name": "監視会社",
            "approval": "approved",
            "approved_on": "2026-05-01",
            "approval_reference": "第7号",
            "approved_by": "税政課長",
        },
    )
    assert response.status_code == 302
    body = as_admin.get(reverse("assurance:contract_detail", args=[data.contract.pk])).content.decode()
    assert "運用会社 → 監視会社" in body and "再2次委託" in body and "第7号" in body and "許諾申請中" in body
    no_date = as_admin.post(url, {"name": "日付なし", "approval": "approved"})
    assert no_date.status_code == 200 and "許諾日を入力" in no_date.content.decode()


def test_the_matrix_exports_as_csv_and_xlsx_with_the_party_columns(data: Data, as_admin: Client) -> None:
    before = AuditEntry.objects.filter(action=Action.EXPORT).count()
    csv_text = as_admin.get(reverse("assurance:matrix_export_csv")).content.decode("utf-8-sig")
    header = csv_text.splitlines()[0].split(",")
    assert header[:7] == ["レイヤー", "責任・作業", "地方公共団体", "デジタル庁", "CSP", "ASP", "運用管理補助者"]
    assert "業務データ（特定個人情報）の取扱い" in csv_text and "◎責任" in csv_text
    xlsx = as_admin.get(reverse("assurance:matrix_export_xlsx")).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert (
        rows[2][0] == "レイヤー"
        and len(rows) == 3 + Responsibility.objects.for_municipality(data.jlis.municipality).count()
    )
    assert AuditEntry.objects.filter(action=Action.EXPORT).count() == before + 2


def test_the_matrix_is_editable(data: Data, as_admin: Client) -> None:
    response = as_admin.post(
        reverse("assurance:matrix_row_edit", args=[data.row.pk]),
        {"layer": "facility", "responsibility": "入退室管理", "csp_share": "responsible", "order": 1},
    )
    assert response.status_code == 302
    data.row.refresh_from_db()
    assert data.row.responsibility == "入退室管理" and data.row.csp_share == "responsible"
    assert as_admin.post(reverse("assurance:matrix_row_delete", args=[data.row.pk])).status_code == 302
    assert Responsibility.objects.filter(pk=data.row.pk).exists()  # not confirmed: nothing deleted
    assert (
        as_admin.post(reverse("assurance:matrix_row_delete", args=[data.row.pk]), {"confirm": "1"}).status_code == 302
    )
    assert not Responsibility.objects.filter(pk=data.row.pk).exists()
    assert AuditEntry.objects.filter(action=Action.DELETE, object_type="assurance.Responsibility").exists()


def test_a_contractor_is_not_offered_the_municipality_wide_pages(data: Data, as_admin: Client) -> None:
    """ISMAP台帳 and 責任分界表 cover every party (403 to a 事業者担当): their menu leaves them out."""
    contractor = login(data.contractor)
    html = contractor.get(reverse("assurance:obligation_list")).content.decode()
    menu = re.search(r'<div class="actions">(.*?)</div>', html, re.S)
    assert menu is not None
    links = re.findall(r'href="([^"]+)"', menu.group(1))
    assert links and reverse("assurance:ismap_register") not in links and reverse("assurance:matrix") not in links
    for href in links:
        assert contractor.get(href).status_code == 200, href
    assert reverse("assurance:matrix") in as_admin.get(reverse("assurance:obligation_list")).content.decode()
