from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from openpyxl import load_workbook

from piaops.audits import reports as rep
from piaops.audits import services
from piaops.audits.models import AuditReport, ItemResult, ReportStatus
from piaops.audittrail.models import AuditEntry
from piaops.findings import services as findings
from tests.audits.helpers import FY, approved_audit
from tests.conftest import World
from tests.jobs.runner import run_jobs

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")


def _year(world: World) -> None:
    a = approved_audit(world, auditors=[world.auditor_a])
    services.audit_start(audit=a)
    items = list(a.items.order_by("order"))
    services.item_record(item=items[0], result=ItemResult.MAJOR, notes="持出簿がない")
    for i in items[1:]:
        services.item_record(item=i, result=ItemResult.CONFORMING)
    (finding,) = services.audit_complete(audit=a, summary="概ね適正")
    findings.followup_plan(finding=finding, plan="持出簿を整備する", due_date=dt.date(2027, 1, 29), responsible="係長")


@needs_poppler
def test_the_results_report_pdf_renders_japanese_text_with_wareki_dates(world: World, tmp_path: Path) -> None:
    _year(world)
    data = rep.report_data(municipality=world.a, fiscal_year=FY, kind="results", as_of=dt.date(2027, 3, 31))
    path = tmp_path / "r.pdf"
    path.write_bytes(rep.render_pdf_bytes(data))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "監査結果報告書" in text and "令和9年3月31日" in text and "税政課" in text and "持出簿がない" not in text
    assert "重大な不適合" in text and "1/1" in text.replace(" ", "")
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True)
    assert next(tmp_path.glob("p-*.png")).stat().st_size > 1000


@needs_poppler
def test_the_followup_report_marks_an_overdue_plan(world: World, tmp_path: Path) -> None:
    _year(world)
    data = rep.report_data(municipality=world.a, fiscal_year=FY, kind="followup", as_of=dt.date(2027, 2, 15))
    assert data["figures"]["overdue"] == 1 and data["followups"][0]["responsible"] == "係長"
    path = tmp_path / "f.pdf"
    path.write_bytes(rep.render_pdf_bytes(data))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "フォローアップ結果報告書" in text and "期限超過" in text and "令和9年2月15日" in text and "係長" in text


def test_the_xlsx_opens_in_openpyxl_with_one_row_per_audit_and_finding(world: World) -> None:
    _year(world)
    data = rep.report_data(municipality=world.a, fiscal_year=FY, kind="results")
    wb = load_workbook(io.BytesIO(rep.render_xlsx_bytes(data)))
    assert wb.sheetnames == ["概要", "監査", "指摘事項"]
    audits = list(wb["監査"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in audits) == ["保険年金課", "税政課"]
    assert [r[1] for r in wb["指摘事項"].iter_rows(min_row=2, values_only=True)] == ["重大"]


@needs_soffice
def test_the_xlsx_opens_in_libreoffice(world: World, tmp_path: Path) -> None:
    _year(world)
    data = rep.report_data(municipality=world.a, fiscal_year=FY, kind="followup")
    src = tmp_path / "followup.xlsx"
    src.write_bytes(rep.render_xlsx_bytes(data))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(src)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    assert (tmp_path / "followup.pdf").stat().st_size > 1000


def test_a_submitted_report_is_frozen_and_the_division_receives_or_returns_it(world: World) -> None:
    _year(world)
    report = rep.report_submit(municipality=world.a, fiscal_year=FY, kind="followup", by=world.auditor_a)
    assert report.data["figures"]["findings"] == 1 and len(report.pdf_sha256) == 64
    assert report.pdf.read()[:4] == b"%PDF"
    fu = report.data["followups"][0]
    assert fu["status"] == "改善中"
    with pytest.raises(ValidationError):
        rep.report_review(report=report, accept=False)  # a return needs comments
    rep.report_review(report=report, accept=False, comment="完了予定日の根拠を追記してください", by=world.admin_a)
    assert report.status == ReportStatus.RETURNED
    with pytest.raises(ValidationError):
        rep.report_review(report=report, accept=True)
    again = rep.report_submit(municipality=world.a, fiscal_year=FY, kind="followup")
    rep.report_review(report=again, accept=True, by=world.admin_a)
    assert again.status == ReportStatus.RECEIVED
    summaries = list(AuditEntry.objects.filter(object_type="audits.AuditReport").values_list("summary", flat=True))
    assert any("差戻し" in s for s in summaries) and any("受理" in s for s in summaries)


def test_the_auditor_submits_and_only_the_division_reviews_on_the_web(
    world: World, as_auditor: Client, as_admin: Client
) -> None:
    _year(world)
    job_page = as_auditor.post(
        f"/audits/reports/{FY}/submit/", {"kind": "results", "as_of": "2026-12-01", "confirm": "1"}
    )["Location"]
    assert not AuditReport.objects.exists()  # the job freezes it
    run_jobs()
    assert "を提出しました" in as_auditor.get(job_page).content.decode()
    report = AuditReport.objects.get()
    assert report.submitted_by == world.auditor_a
    assert report.as_of == dt.date(2026, 12, 1)
    assert as_admin.post(f"/audits/reports/{FY}/submit/", {"kind": "results"}).status_code == 403
    assert as_auditor.post(f"/audits/reports/receive/{report.pk}/").status_code == 403
    as_admin.post(f"/audits/reports/receive/{report.pk}/", {"confirm": "1"})
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED
    response = as_admin.get(f"/audits/reports/file/{report.pk}/xlsx/")
    assert response.status_code == 200 and response.getvalue()[:2] == b"PK"
    job_page = as_admin.post(f"/audits/reports/{FY}/draft-job/", {"kind": "followup", "format": "pdf"})["Location"]
    assert as_admin.get(f"/audits/reports/{FY}/download/?kind=followup&format=pdf").status_code == 302  # the job's
    run_jobs()
    draft = as_admin.get(f"{job_page}result/")
    assert draft.status_code == 200 and draft.getvalue()[:4] == b"%PDF"
    assert "audit-followup-2026.pdf" in draft["Content-Disposition"]
