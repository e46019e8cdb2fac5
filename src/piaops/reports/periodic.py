"""定期的な報告: for one report and one 年度, each measure written in the report (its commitments, in the report's
order) with the status carried out and the evidence piaops holds; gaps are listed, not hidden.

The PPC asks local governments every year how the risk measures written in each 評価書 were carried out (plus the
year's 個別テーマ). The evidence per commitment, all within the 年度:

- 自己点検: answers of submitted checklists to items derived from the commitment (or its predecessor);
- 監査: results of audit items on the commitment in audits of the 年度's programme;
- 教育・啓発: completion of the training requirements that carry the commitment (as of the 基準日);
- 委託先: the obligations derived from the commitment and the evidence received in the 年度, and overdue ones;
- 指摘事項: findings on the commitment still open;
- 事故対応: for commitments of that kind, the incidents on the report's works detected in the 年度.

Status: 未実施あり (a いいえ, a nonconformity, an insufficient or overdue proof, an open finding), else 実施 (some
positive evidence), else 該当なし (only 該当なし answers), else 記録なし (a gap).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from piaops.assessments.models import AssessmentReport, Commitment
from piaops.assessments.vocab import CommitmentKind
from piaops.assurance.models import Evidence as ObligationEvidence
from piaops.assurance.models import Obligation
from piaops.audits.models import NONCONFORMING, AuditItem, ItemResult
from piaops.findings.models import OPEN_STATUSES, Finding
from piaops.incidents.models import Incident
from piaops.lib.fiscal import fiscal_year_end, fiscal_year_start, wareki_fiscal_year
from piaops.selfcheck.models import DONE, Answer, AnswerValue
from piaops.training import summary as training_summary

DONE_STATUS, GAP_STATUS, NA_STATUS, NO_RECORD = "実施", "未実施あり", "該当なし", "記録なし"
HEADER = [
    "No.",
    "項目",
    "評価書に記載した措置",
    "措置主体",
    "種類",
    "実施状況",
    "根拠（piaopsの記録）",
    "課題",
    "個別テーマ（自由記入）",
]


@dataclass
class Row:
    number: int
    item: str
    text: str
    party: str
    kind: str
    status: str = NO_RECORD
    evidence: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


@dataclass
class PeriodicReport:
    report: AssessmentReport
    fiscal_year: int
    today: dt.date
    rows: list[Row]

    @property
    def sheet_title(self) -> str:
        # Excel: at most 31 characters, none of []:*?/\
        title = self.report.report_number or self.report.title
        for ch in "[]:*?/\\":
            title = title.replace(ch, "・")
        return str(title[:31])


def _day_range(fy: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(fiscal_year_start(fy), dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(fiscal_year_end(fy) + dt.timedelta(days=1), dt.time.min))
    return start, end


def build(report: AssessmentReport, *, fiscal_year: int, today: dt.date) -> PeriodicReport:
    commitments: list[Commitment] = list(report.commitments.select_related("item", "party").order_by("order", "id"))
    lineage = {c.pk: {c.pk, *([c.previous_id] if c.previous_id else [])} for c in commitments}
    ids = {i for group in lineage.values() for i in group}
    m = report.municipality_id
    start, end = _day_range(fiscal_year)

    answers: dict[int, Counter[str]] = defaultdict(Counter)
    for cid, value in (
        Answer.objects.filter(
            municipality_id=m,
            item__commitment_id__in=ids,
            checklist__status__in=DONE,
            checklist__campaign__fiscal_year=fiscal_year,
        )
        .exclude(value="")
        .values_list("item__commitment_id", "value")
    ):
        answers[cid][value] += 1

    audits: dict[int, Counter[str]] = defaultdict(Counter)
    for cid, result in (
        AuditItem.objects.current()
        .filter(municipality_id=m, commitment_id__in=ids, audit__programme__fiscal_year=fiscal_year)
        .exclude(result="")
        .values_list("commitment_id", "result")
    ):
        audits[cid][result] += 1

    training: dict[int, list[training_summary.Tally]] = defaultdict(list)
    for requirement, _counts, tally in training_summary.overview(
        report.municipality, min(today, fiscal_year_end(fiscal_year))
    ).requirements:
        if requirement.commitment_id in ids:
            training[requirement.commitment_id].append(tally)

    obligations: dict[int, list[Obligation]] = defaultdict(list)
    for o in Obligation.objects.filter(municipality_id=m, commitment_id__in=ids, is_active=True):
        assert o.commitment_id is not None
        obligations[o.commitment_id].append(o)
    proofs: dict[int, Counter[str]] = defaultdict(Counter)
    for oid, conclusion in ObligationEvidence.objects.filter(
        municipality_id=m,
        obligation__in=[o for group in obligations.values() for o in group],
        received_on__gte=fiscal_year_start(fiscal_year),
        received_on__lte=fiscal_year_end(fiscal_year),
    ).values_list("obligation_id", "conclusion"):
        proofs[oid][conclusion] += 1

    findings: Counter[int] = Counter(
        Finding.objects.filter(municipality_id=m, commitment_id__in=ids, status__in=OPEN_STATUSES).values_list(
            "commitment_id", flat=True
        )
    )
    work_ids = list(report.report_works.values_list("work_id", flat=True))
    incidents = list(
        Incident.objects.filter(
            municipality_id=m, incident_works__work__in=work_ids, detected_at__gte=start, detected_at__lt=end
        ).distinct()
    )

    rows = []
    for n, c in enumerate(commitments, start=1):
        row = Row(n, c.item.number_path, c.text, c.party.name if c.party else c.party_name, c.get_kind_display())
        positive = gap = False
        a: Counter[str] = sum((answers[i] for i in lineage[c.pk]), Counter())
        if a:
            row.evidence.append(
                f"自己点検（提出された点検票）：はい {a[AnswerValue.YES]}・いいえ {a[AnswerValue.NO]}"
                f"・該当なし {a[AnswerValue.NA]}"
            )
            positive |= a[AnswerValue.YES] > 0
            if a[AnswerValue.NO]:
                gap = True
                row.gaps.append(f"自己点検で「いいえ」が{a[AnswerValue.NO]}件")
        r: Counter[str] = sum((audits[i] for i in lineage[c.pk]), Counter())
        if r:
            row.evidence.append("監査：" + "・".join(f"{ItemResult(k).label} {v}" for k, v in sorted(r.items())))
            positive |= r[ItemResult.CONFORMING] > 0
            bad = sum(r[k] for k in NONCONFORMING)
            if bad:
                gap = True
                row.gaps.append(f"監査で不適合が{bad}件")
        for tally in (t for i in lineage[c.pk] for t in training[i]):
            row.evidence.append(
                f"研修「{tally.label}」：受講率 {tally.rate_text}"
                f"（受講済 {tally.done}・未受講 {tally.pending}・期限超過 {tally.overdue}）"
            )
            positive |= tally.done > 0
            if tally.overdue:
                gap = True
                row.gaps.append(f"研修「{tally.label}」の期限超過 {tally.overdue}人")
        for o in (o for i in lineage[c.pk] for o in obligations[i]):
            p = proofs[o.pk]
            row.evidence.append(
                f"委託先の義務「{o.title}」：受理 {p[ObligationEvidence.Conclusion.ACCEPTED]}・確認待ち "
                f"{p[ObligationEvidence.Conclusion.PENDING]}・不十分 {p[ObligationEvidence.Conclusion.INSUFFICIENT]}"
            )
            positive |= p[ObligationEvidence.Conclusion.ACCEPTED] > 0
            if p[ObligationEvidence.Conclusion.INSUFFICIENT] or o.next_due < today:
                gap = True
                row.gaps.append(
                    f"委託先の義務「{o.title}」："
                    + (
                        "証跡が不十分"
                        if p[ObligationEvidence.Conclusion.INSUFFICIENT]
                        else f"期限 {o.next_due:%Y-%m-%d} を超過"
                    )
                )
        open_findings = sum(findings[i] for i in lineage[c.pk])
        if open_findings:
            gap = True
            row.gaps.append(f"未完了の指摘事項 {open_findings}件")
        if c.kind == CommitmentKind.INCIDENT:
            reportable = [i for i in incidents if i.ppc_report_required]
            row.evidence.append(f"事故：{len(incidents)}件（うち個人情報保護委員会への報告対象 {len(reportable)}件）")
            positive = True
        if gap:
            row.status = GAP_STATUS
        elif positive:
            row.status = DONE_STATUS
        elif a and set(+a) == {AnswerValue.NA}:
            row.status = NA_STATUS
        else:
            row.status = NO_RECORD
            if not row.evidence:
                row.gaps.append("この年度の記録がありません")
        rows.append(row)
    return PeriodicReport(report=report, fiscal_year=fiscal_year, today=today, rows=rows)


def to_xlsx(reports: list[PeriodicReport]) -> bytes:
    """One sheet per report, one row per measure in the report's order; text is written as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from piaops.lib.safeexport import workbook_bytes
    from piaops.lib.xlsxprint import print_setup

    wb = Workbook()
    default = wb.active
    assert default is not None
    wb.remove(default)
    used: set[str] = set()
    for pr in reports:
        title, k = pr.sheet_title, 2
        while title in used:
            title, k = f"{pr.sheet_title[:28]}({k})", k + 1
        used.add(title)
        ws = wb.create_sheet(title)
        ws.append(
            [
                f"{pr.report}　{pr.fiscal_year}年度（{wareki_fiscal_year(pr.fiscal_year)}）"
                f"　定期的な報告　作成日 {pr.today.isoformat()}"
            ]
        )
        ws.append(HEADER)
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for r in pr.rows:
            ws.append(
                [r.number, r.item, r.text, r.party, r.kind, r.status, "\n".join(r.evidence), "\n".join(r.gaps), ""]
            )
        for col, width in zip("ABCDEFGHI", (5, 12, 60, 20, 14, 12, 60, 40, 40), strict=True):
            ws.column_dimensions[col].width = width
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A3"
        print_setup(
            ws,
            municipality=pr.report.municipality.name,
            title=f"{pr.report} {pr.fiscal_year}年度 定期的な報告",
            header_rows=(2, 2),
        )
    return workbook_bytes(wb)


def to_pdf(reports: list[PeriodicReport], *, fiscal_year: int) -> bytes:
    """The same rows as the workbook, for the 決裁 (A4, one section per report)."""
    from piaops.core.pdf import render_pdf

    return render_pdf("reports/periodic_pdf.html", {"reports": reports, "fy": fiscal_year})


FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class File:
    content: bytes
    content_type: str
    filename: str


def export_report(pr: PeriodicReport, *, fmt: str) -> File:
    """One report's 定期的な報告 as ``fmt`` (xlsx or pdf) for the web page, recorded in the audit trail (the actor
    comes from the request context)."""
    from piaops.audittrail.services import record_export

    if fmt not in FORMATS:
        raise ValueError(f"形式は {', '.join(FORMATS)} のいずれかです。")
    content = to_xlsx([pr]) if fmt == "xlsx" else to_pdf([pr], fiscal_year=pr.fiscal_year)
    record_export(
        municipality_id=pr.report.municipality_id,
        what="定期的な報告",
        file_format=fmt,
        rows=len(pr.rows),
        criteria={"fiscal_year": pr.fiscal_year, "reports": [pr.report.pk]},
    )
    return File(content, FORMATS[fmt], f"periodic-{pr.report.pk}-{pr.fiscal_year}.{fmt}")


@dataclass(frozen=True)
class Files:
    xlsx: bytes
    pdf: bytes
    rows: int


def export(*, municipality_id: int, fiscal_year: int, today: dt.date) -> Files:
    """The workbook and the PDF of every current report of the municipality (in series order), each recorded in the
    audit trail."""
    from piaops.audittrail.services import record_export

    reports = AssessmentReport.objects.current().filter(municipality_id=municipality_id).order_by("series")
    built = [build(r, fiscal_year=fiscal_year, today=today) for r in reports.select_related("municipality")]
    rows = sum(len(b.rows) for b in built)
    files = Files(xlsx=to_xlsx(built), pdf=to_pdf(built, fiscal_year=fiscal_year), rows=rows)
    for fmt in ("xlsx", "pdf"):
        record_export(
            municipality_id=municipality_id,
            what="定期的な報告",
            file_format=fmt,
            rows=rows,
            criteria={"fiscal_year": fiscal_year, "reports": [b.report.pk for b in built]},
        )
    return files
