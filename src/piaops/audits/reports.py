"""Reports to the 番号制度総括部門: 監査結果報告書 and フォローアップ結果報告書 of a 年度 (or up to an interim date).

``report_data`` gathers the figures and rows as plain JSON-able data; ``render_pdf_bytes`` and
``render_xlsx_bytes`` draw the same data. ``report_submit`` freezes the files and the data; the division then
receives the report or returns it with comments (named transitions, in the audit trail).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from piaops.audits.models import (
    Audit,
    AuditItem,
    AuditProgramme,
    AuditReport,
    AuditStatus,
    ItemResult,
    ReportKind,
    ReportStatus,
)
from piaops.audittrail.models import Action
from piaops.audittrail.services import record, snapshot
from piaops.audittrail.transitions import record_transition
from piaops.findings.models import Finding, FindingStatus, FollowUp
from piaops.lib.dates import local_date
from piaops.lib.fiscal import fiscal_year_end, wareki, wareki_fiscal_year
from piaops.lib.safeexport import workbook_bytes
from piaops.tenancy.models import Municipality, User


def _d(day: dt.date | None) -> str:
    return wareki(day) if day else ""


def audit_findings(municipality: Municipality, fiscal_year: int) -> Any:
    return Finding.objects.filter(municipality=municipality, fiscal_year=fiscal_year, source_type="audits.item")


def report_data(
    *, municipality: Municipality, fiscal_year: int, kind: str, as_of: dt.date | None = None
) -> dict[str, Any]:
    """The report's content as of ``as_of`` (default: the end of the 年度, or today when earlier)."""
    if kind not in ReportKind.values:
        raise ValidationError("報告書の種類が不正です。")
    as_of = as_of or min(fiscal_year_end(fiscal_year), timezone.localdate())
    programme = AuditProgramme.objects.filter(municipality=municipality, fiscal_year=fiscal_year).first()
    audits = (
        list(
            Audit.objects.filter(programme=programme)
            .select_related("unit")
            .prefetch_related("works", "auditors__user")
            .order_by("planned_start", "id")
        )
        if programme
        else []
    )
    head: dict[str, Any] = {
        "kind": kind,
        "title": str(ReportKind(kind).label),
        "municipality": municipality.name,
        "fiscal_year": fiscal_year,
        "fiscal_year_label": wareki_fiscal_year(fiscal_year),
        "as_of": as_of.isoformat(),
        "as_of_label": wareki(as_of),
        "programme": programme.title if programme else "",
        "programme_status": programme.get_status_display() if programme else "未作成",
    }
    findings = list(audit_findings(municipality, fiscal_year).select_related("unit").order_by("unit__path", "id"))
    followups = {f.finding_id: f for f in FollowUp.objects.filter(finding__in=findings)}
    if kind == ReportKind.RESULTS:
        counts = {r: 0 for r in ItemResult.values}
        for result in AuditItem.objects.current().filter(audit__in=audits).values_list("result", flat=True):
            if result:
                counts[result] += 1
        rows = [
            {
                "unit": a.unit.name,
                "type": a.get_audit_type_display(),
                "works": "、".join(w.name for w in a.works.all()),
                "planned": _d(a.planned_start),
                "status": a.get_status_display(),
                "completed": _d(local_date(a.completed_at)) if a.completed_at else "",
                "auditors": "、".join(str(x.user) for x in a.auditors.all()),
                "summary": a.summary,
            }
            for a in audits
        ]
        return {
            **head,
            "figures": {
                "audits": len(audits),
                "completed": sum(1 for a in audits if a.status == AuditStatus.COMPLETED),
                "onsite": sum(1 for a in audits if a.audit_type == "onsite"),
                "findings": len(findings),
                **{str(ItemResult(r).label): n for r, n in counts.items()},
            },
            "audits": rows,
            "findings": [
                {
                    "unit": f.unit.name,
                    "severity": f.get_severity_display(),
                    "title": f.title,
                    "status": f.get_status_display(),
                }
                for f in findings
            ],
        }
    rows = []
    for f in findings:
        fu = followups.get(f.pk)
        overdue = bool(fu and f.status in (FindingStatus.OPEN, FindingStatus.PLANNED) and fu.due_date < as_of)
        rows.append(
            {
                "unit": f.unit.name,
                "severity": f.get_severity_display(),
                "title": f.title,
                "plan": fu.plan if fu else "",
                "responsible": fu.responsible if fu else "",
                "due": _d(fu.due_date) if fu else "",
                "completed": _d(fu.completed_on) if fu else "",
                "status": f.get_status_display(),
                "overdue": overdue,
            }
        )
    return {
        **head,
        "figures": {
            "findings": len(findings),
            "no_plan": sum(1 for f in findings if f.status == FindingStatus.OPEN),
            "in_progress": sum(1 for f in findings if f.status == FindingStatus.PLANNED),
            "completed": sum(1 for f in findings if f.status == FindingStatus.COMPLETED),
            "verified": sum(1 for f in findings if f.status == FindingStatus.VERIFIED),
            "overdue": sum(1 for r in rows if r["overdue"]),
        },
        "followups": rows,
    }


FIGURE_LABELS = {
    "audits": "監査件数",
    "completed": "完了",
    "onsite": "うち現地監査",
    "findings": "指摘事項",
    "no_plan": "改善計画未提出",
    "in_progress": "改善中",
    "verified": "確認済（完了）",
    "overdue": "期限超過",
}


def report_draft(
    *, municipality: Municipality, fiscal_year: int, kind: str, fmt: str, as_of: dt.date | None = None
) -> tuple[bytes, str]:
    """A draft of the report as it would be submitted now (not frozen): (file, its name), recorded as an export.
    The page serves the Excel form at once; the PDF (WeasyPrint: seconds) is made by a job (``audits.jobs``)."""
    from piaops.audittrail.services import record_export

    data = report_data(municipality=municipality, fiscal_year=fiscal_year, kind=kind, as_of=as_of)
    body = render_pdf_bytes(data) if fmt == "pdf" else render_xlsx_bytes(data)
    record_export(
        municipality_id=municipality.pk,
        what=data["title"],
        file_format=fmt.upper(),
        rows=len(data.get("audits", data.get("followups", []))),
        criteria={"fiscal_year": fiscal_year},
    )
    return body, f"audit-{kind}-{fiscal_year}.{fmt}"


def figure_rows(data: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(FIGURE_LABELS.get(k, k), v) for k, v in data["figures"].items()]


def render_pdf_bytes(data: dict[str, Any]) -> bytes:
    from piaops.core.pdf import render_pdf

    return render_pdf("audits/report_pdf.html", {"d": data, "figures": figure_rows(data)})


RESULTS_COLUMNS = [
    ("unit", "所属"),
    ("type", "種別"),
    ("works", "対象事務"),
    ("planned", "予定日"),
    ("status", "状態"),
    ("completed", "完了日"),
    ("auditors", "監査人"),
    ("summary", "総括"),
]
FINDING_COLUMNS = [("unit", "所属"), ("severity", "重要度"), ("title", "指摘事項"), ("status", "状態")]
FOLLOWUP_COLUMNS = [
    ("unit", "所属"),
    ("severity", "重要度"),
    ("title", "指摘事項"),
    ("plan", "改善計画"),
    ("responsible", "担当者"),
    ("due", "完了予定日"),
    ("completed", "完了日"),
    ("status", "状態"),
]


def render_xlsx_bytes(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from piaops.lib.xlsxprint import print_setup

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "概要"
    bold = Font(bold=True)
    ws.append([data["title"]])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["団体", data["municipality"]])
    ws.append(["年度", data["fiscal_year_label"]])
    ws.append(["基準日", data["as_of_label"]])
    ws.append(["監査計画", f"{data['programme']}（{data['programme_status']}）"])
    ws.append([])
    for label, value in figure_rows(data):
        ws.append([label, value])
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 60

    def sheet(title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> None:
        s = wb.create_sheet(title)
        s.append([label for _, label in columns])
        for cell in s[1]:
            cell.font = bold
            cell.fill = PatternFill("solid", fgColor="DDDDDD")
        for r in rows:
            s.append([r.get(key, "") for key, _ in columns])
            if r.get("overdue"):
                for cell in s[s.max_row]:
                    cell.font = Font(color="C00000")
        for i, (key, _) in enumerate(columns, start=1):
            s.column_dimensions[s.cell(1, i).column_letter].width = (
                40 if key in ("title", "plan", "summary", "works") else 16
            )
        for row in s.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        s.freeze_panes = "A2"
        print_setup(s, municipality=data["municipality"], title=f"{data['title']} {title}")

    if data["kind"] == ReportKind.RESULTS:
        sheet("監査", RESULTS_COLUMNS, data["audits"])
        sheet("指摘事項", FINDING_COLUMNS, data["findings"])
    else:
        sheet("フォローアップ", FOLLOWUP_COLUMNS, data["followups"])
    print_setup(ws, municipality=data["municipality"], title=data["title"])
    return workbook_bytes(wb)


def report_submit(
    *, municipality: Municipality, fiscal_year: int, kind: str, as_of: dt.date | None = None, by: User | None = None
) -> AuditReport:
    """Freeze the report: store the PDF, the XLSX and the data as submitted."""
    data = report_data(municipality=municipality, fiscal_year=fiscal_year, kind=kind, as_of=as_of)
    pdf, xlsx = render_pdf_bytes(data), render_xlsx_bytes(data)
    stamp = timezone.now()
    base = f"{fiscal_year}-{kind}-{stamp:%Y%m%d%H%M%S}"
    with transaction.atomic():
        report = AuditReport(
            municipality=municipality,
            fiscal_year=fiscal_year,
            kind=kind,
            as_of=dt.date.fromisoformat(data["as_of"]),
            data=data,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            xlsx_sha256=hashlib.sha256(xlsx).hexdigest(),
            submitted_at=stamp,
            submitted_by=by,
        )
        report.pdf.save(f"{base}.pdf", ContentFile(pdf), save=False)
        report.xlsx.save(f"{base}.xlsx", ContentFile(xlsx), save=False)
        report.save()
        record(
            action=Action.CREATE,
            municipality_id=municipality.pk,
            obj=report,
            after={
                **snapshot(report, exclude=("pdf", "xlsx", "data")),
                "pdf": report.pdf.name,
                "xlsx": report.xlsx.name,
            },
            summary=f"{report.get_kind_display()}を番号制度総括部門に提出",
        )
    return report


def report_review(*, report: AuditReport, accept: bool, comment: str = "", by: User | None = None) -> AuditReport:
    """The division receives the report (受理) or returns it with comments (差戻し)."""
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError("提出済みの報告書だけ受理・差戻しできます。")
    if not accept and not comment.strip():
        raise ValidationError({"comment": "差し戻す理由を入力してください。"})
    with transaction.atomic():
        to = ReportStatus.RECEIVED if accept else ReportStatus.RETURNED
        report.review_comment = comment
        report.reviewed_at = timezone.now()
        report.reviewed_by = by
        record_transition(
            report,  # a model's _meta is a ClassVar, the Protocol's is not
            to=to,
            by=by,
            note=comment,
            summary=f"{report.get_kind_display()}を{to.label}",
            extra={"comment": comment},
        )
        report.save(update_fields=["status", "review_comment", "reviewed_at", "reviewed_by"])
    return report


def report_reopen(*, report: AuditReport, reason: str, by: User | None = None) -> AuditReport:
    """Re-open a submitted or received report (the division, with a reason): it no longer counts as submitted
    (nor for the Ⅳ-1② rating) and a new submission is expected. The files and data stay exactly as submitted;
    who re-opened it, when and why are in its history and the trail."""
    if report.status not in (ReportStatus.SUBMITTED, ReportStatus.RECEIVED):
        raise ValidationError("提出済み・受理済みの報告書だけ再開できます。")
    if not reason.strip():
        raise ValidationError({"reason": "再開の理由を入力してください。"})
    with transaction.atomic():
        record_transition(
            report,  # a model's _meta is a ClassVar, the Protocol's is not
            to=ReportStatus.REOPENED,
            by=by,
            note=reason.strip(),
            summary=f"{report.get_kind_display()}を再開（再提出が必要）",
            extra={"comment": reason.strip()},
        )
        report.save(update_fields=["status"])
    return report
