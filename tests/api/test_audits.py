"""Audits over the API: programmes, audits and results read as on the pages; an auditor of the audit starts it,
records results and completes it, and its non-conformities become findings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from piaops.api.models import Scope
from piaops.audits import services
from piaops.audits.models import Audit, AuditItem, AuditReport, AuditStatus, ReportKind
from piaops.findings import services as findings
from piaops.findings.models import Finding
from tests import factories as f
from tests.api.conftest import ApiClient, TokenFor
from tests.api.test_protocol import MY_NUMBER
from tests.audits.helpers import approved_audit
from tests.conftest import World


@pytest.fixture
def audit(world: World) -> Audit:
    return approved_audit(world, auditors=[world.auditor_a])


def _path(audit: Audit, step: str) -> str:
    return f"/audits/audits/{audit.pk}/{step}"


def _started(api: ApiClient, audit: Audit) -> list[int]:
    response = api.post(_path(audit, "start"), {})
    assert response.status_code == 200, response.content
    return [i["id"] for i in response.json()["items"]]


def test_programmes_audits_and_reports_are_read_as_on_the_pages(
    world: World, audit: Audit, token_for: TokenFor
) -> None:
    report = AuditReport.objects.create(
        municipality=world.a,
        fiscal_year=2026,
        kind=ReportKind.RESULTS,
        as_of=dt.date(2027, 3, 31),
        data={"title": "監査結果報告書"},
        pdf="audits/r.pdf",
        xlsx="audits/r.xlsx",
        submitted_at=timezone.now(),
    )
    viewer = token_for(world.viewer_a)
    assert [p["id"] for p in viewer.get("/audits/programmes").json()["items"]] == [audit.programme_id]
    assert viewer.get(f"/audits/programmes/{audit.programme_id}").json()["status"] == "approved"
    audits = viewer.get("/audits/audits", programme_id=audit.programme_id).json()["items"]
    assert len(audits) == 2 and audits[0]["id"] == audit.pk
    assert viewer.get("/audits/audits", fiscal_year=2025).json()["items"] == []
    detail = viewer.get(f"/audits/audits/{audit.pk}").json()
    assert detail["status"] == "planned" and detail["items"] == [] and detail["finding_ids"] == []
    assert [a["user_id"] for a in detail["auditors"]] == [world.auditor_a.pk]
    assert viewer.get(f"/audits/reports/{report.pk}").json()["data"] == {"title": "監査結果報告書"}
    assert [r["kind"] for r in viewer.get("/audits/reports", fiscal_year=2026).json()["items"]] == ["results"]
    assert token_for(world.head_a).get("/audits/audits").status_code == 403  # unit roles have no audit pages
    outsider = token_for(world.user_b)
    for path in ("/audits/programmes", "/audits/audits", "/audits/reports"):
        assert outsider.get(path).json()["items"] == [], path
    for path in (
        f"/audits/programmes/{audit.programme_id}",
        f"/audits/audits/{audit.pk}",
        f"/audits/reports/{report.pk}",
    ):
        assert outsider.get(path).status_code == 404, path


def test_an_auditor_records_results_and_completing_records_the_findings(
    world: World, audit: Audit, token_for: TokenFor, as_admin: Client
) -> None:
    auditor = token_for(world.auditor_a)
    first, *rest = _started(auditor, audit)
    recorded = auditor.post(
        _path(audit, f"items/{first}/result"),
        {"result": "major", "notes": "持出簿がない", "working_paper": "10月分を確認"},
    )
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["result"] == "major" and recorded.json()["notes"] == "持出簿がない"
    for item in rest:
        assert auditor.post(_path(audit, f"items/{item}/result"), {"result": "conforming"}).status_code == 200
    completed = auditor.post(_path(audit, "complete"), {"summary": "概ね適切"})
    assert completed.status_code == 200
    body = completed.json()
    assert body["status"] == "completed" and body["summary"] == "概ね適切"
    assert [e["to_status"] for e in body["history"]] == ["in_progress", "completed"]
    assert len(body["finding_ids"]) == 1
    finding = auditor.get(f"/findings/findings/{body['finding_ids'][0]}").json()
    assert finding["source"] == "audit" and finding["severity"] == "high" and finding["unit_id"] == world.tax_a.pk
    assert finding["description"] == "持出簿がない"
    page = as_admin.get(f"/audits/{audit.pk}/").content.decode()
    assert "持出簿がない" in page and "10月分を確認" in page


def test_steps_not_allowed_from_the_current_state_are_refused(world: World, audit: Audit, token_for: TokenFor) -> None:
    auditor = token_for(world.auditor_a)
    early = auditor.post(_path(audit, "complete"), {})
    assert early.status_code == 400 and early.json()["error"]["message"] == "実施中の監査だけ完了できます。"
    items = _started(auditor, audit)
    again = auditor.post(_path(audit, "start"), {})
    assert again.status_code == 400 and again.json()["error"]["message"] == "予定の監査だけ開始できます。"
    blank = auditor.post(_path(audit, "complete"), {})
    assert blank.status_code == 400 and "結果が未記録の監査項目があります" in blank.json()["error"]["message"]
    for item in items:
        auditor.post(_path(audit, f"items/{item}/result"), {"result": "conforming"})
    auditor.post(_path(audit, "complete"), {})
    locked = auditor.post(_path(audit, f"items/{items[0]}/result"), {"result": "minor", "notes": "後から"})
    assert locked.status_code == 400 and "完了した監査は訂正として記録" in locked.json()["error"]["message"]
    assert AuditItem.objects.get(pk=items[0]).result == "conforming"


def test_invalid_results_and_a_my_number_write_nothing(world: World, audit: Audit, token_for: TokenFor) -> None:
    auditor = token_for(world.auditor_a)
    item = _started(auditor, audit)[0]
    path = _path(audit, f"items/{item}/result")
    wrong = auditor.post(path, {"result": "bad"})
    assert wrong.status_code == 400
    assert wrong.json()["error"]["details"] == [{"field": "result", "message": "結果を選んでください。"}]
    no_notes = auditor.post(path, {"result": "major"})
    assert no_notes.json()["error"]["message"] == "不適合の場合は所見を入力してください。"
    missing = auditor.post(path, {"notes": "x"})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "invalid_request"
    mine = auditor.post(path, {"result": "minor", "notes": f"台帳に {MY_NUMBER} が記載"})
    assert mine.status_code == 400 and "「所見」に個人番号" in mine.json()["error"]["message"]
    assert MY_NUMBER not in mine.content.decode()
    stored = AuditItem.objects.get(pk=item)
    assert stored.result == "" and stored.notes == "" and stored.updated_at is None


def test_only_an_auditor_of_the_audit_with_a_read_write_token_does_audit_work(
    world: World, audit: Audit, token_for: TokenFor
) -> None:
    other_auditor = f.user(world.a, "auditor2_a", f.Role.AUDITOR)
    refused = token_for(other_auditor).post(_path(audit, "start"), {})
    assert refused.status_code == 403 and refused.json()["error"]["message"] == "この監査の監査人ではありません。"
    for persona in (token_for(world.admin_a), token_for(world.viewer_a), token_for(world.head_a)):
        assert persona.post(_path(audit, "start"), {}).status_code == 403
    read_only = token_for(world.auditor_a, scope=Scope.READ).post(_path(audit, "start"), {})
    assert read_only.status_code == 403 and "読み取り専用" in read_only.json()["error"]["message"]
    outsider = token_for(world.user_b)
    assert outsider.post(_path(audit, "start"), {}).status_code == 404
    assert outsider.post(_path(audit, "complete"), {}).status_code == 404
    audit.refresh_from_db()
    assert audit.status == AuditStatus.PLANNED

    auditor = token_for(world.auditor_a)
    item = _started(auditor, audit)[0]
    sibling = Audit.objects.exclude(pk=audit.pk).get(programme=audit.programme)
    services.auditor_assign(audit=sibling, user=world.auditor_a)
    assert outsider.post(_path(audit, f"items/{item}/result"), {"result": "conforming"}).status_code == 404
    # an item of another audit is not found under this one
    assert auditor.post(_path(sibling, f"items/{item}/result"), {"result": "conforming"}).status_code == 404
    assert AuditItem.objects.get(pk=item).result == "" and not Finding.objects.exists()


def test_queries_per_page_of_audits_and_findings_do_not_grow_with_the_page_size(
    world: World, audit: Audit, token_for: TokenFor
) -> None:
    for unit in (world.tax_a, world.other_a):
        made = findings.finding_create(unit=unit, fiscal_year=2026, title="指摘", source="audit")
        plan = findings.followup_plan(finding=made, plan="計画", due_date=dt.date(2027, 1, 29))
        findings.followup_progress(followup=plan, note="進捗", on=dt.date(2026, 12, 1))
    api = token_for(world.admin_a)
    api.get("/audits/programmes")  # opens the token's rate window for this minute
    for path in ("/audits/audits", "/findings/followups", "/findings/findings"):
        counts = []
        for limit in (1, 2):
            with CaptureQueriesContext(connection) as queries:
                assert len(api.get(path, limit=limit).json()["items"]) == limit
            counts.append(len(queries))
        assert counts[0] == counts[1], path
