"""Exports of a stored report: its text (through the parser's ``render_text``), JSON, and an XLSX of commitments.

``report_export`` is the one entry point: it renders and records the export in the audit trail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from piaops.assessments.models import AssessmentReport, Commitment, Item, MeasureBlock, ReportField, Section
from piaops.assessments.parsed import (
    ParsedCommitment,
    ParsedField,
    ParsedItem,
    ParsedMeasureBlock,
    ParsedReport,
    ParsedSection,
    Span,
)
from piaops.assessments.parser import render_text
from piaops.assessments.parser.structure import COVER
from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.lib import cadence as cadence_grammar
from piaops.lib.safeexport import workbook_bytes
from piaops.lib.xlsxprint import print_setup
from piaops.tenancy.models import User

FORMATS = ("text", "json", "xlsx")


@dataclass(frozen=True)
class Export:
    content: bytes
    content_type: str
    filename: str


def to_parsed(report: AssessmentReport) -> ParsedReport:
    """The stored structure as the parser's dataclasses (refined commitment texts included)."""
    sections = list(Section.objects.filter(report=report).order_by("order"))
    items = list(Item.objects.filter(report=report).order_by("order"))
    blocks = list(MeasureBlock.objects.filter(report=report).order_by("order"))
    commitments = list(Commitment.objects.filter(report=report).order_by("order"))
    by_block: dict[int, list[ParsedCommitment]] = {}
    for c in commitments:
        if c.block_id is not None:
            by_block.setdefault(c.block_id, []).append(
                ParsedCommitment(
                    text=c.text,
                    kind=c.kind,
                    cadence=c.cadence,
                    span=Span(c.start_line, c.end_line),
                    cadences=list(c.cadences),
                )
            )
    by_item: dict[int, list[ParsedMeasureBlock]] = {}
    for b in blocks:
        by_item.setdefault(b.item_id, []).append(
            ParsedMeasureBlock(
                party_label=b.party_label,
                party_name=b.party_name,
                text=b.text,
                field_label=b.field_label,
                span=Span(b.start_line, b.end_line),
                commitments=by_block.get(b.pk, []),
            )
        )
    by_section: dict[int, list[ParsedItem]] = {}
    for i in items:
        by_section.setdefault(i.section_id, []).append(
            ParsedItem(
                number_path=i.number_path,
                title=i.title,
                question=i.question,
                choices=list(i.choices),
                selected=i.selected_choice,
                text=i.text,
                span=Span(i.start_line, i.end_line),
                blocks=by_item.get(i.pk, []),
                group_title=i.group_title,
                parent_path=i.parent_path,
            )
        )
    # A title the parser did not read (no 表紙: the import named the report after its works) is not written
    # back, so the exported text parses to the same sections as the source did.
    has_cover = any(s.number == COVER for s in sections)
    return ParsedReport(
        title=report.title if has_cover else "",
        sections=[
            ParsedSection(
                number=s.number,
                title=s.title,
                text=s.text,
                span=Span(s.start_line, s.end_line),
                items=by_section.get(s.pk, []),
            )
            for s in sections
        ],
        report_number=report.report_number,
        work_name=", ".join(w.name for w in report.works.all()),
        form_version=report.form_version,
        tier=report.tier,
        published_on=report.published_on.isoformat() if report.published_on else "",
        fields=[
            ParsedField(
                section=x.section,
                group=x.group,
                label=x.label,
                value=x.value,
                line=x.line,
                key=x.key,
                choices=list(x.choices),
            )
            for x in ReportField.objects.filter(report=report).order_by("order")
        ],
    )


def export_text(report: AssessmentReport) -> str:
    return render_text(to_parsed(report))


def export_json(report: AssessmentReport) -> dict[str, Any]:
    """Report metadata and the tree down to commitments, with their ids, marks and owners."""
    commitments: dict[int, list[dict[str, Any]]] = {}
    for c in Commitment.objects.filter(report=report).select_related("owner_unit").order_by("order"):
        commitments.setdefault(c.item_id, []).append(
            {
                "id": c.pk,
                "party": c.party_name,
                "party_id": c.party_id,
                "text": c.text,
                "kind": c.kind,
                "cadence": c.cadence,
                "cadences": [{"value": v, "label": cadence_grammar.label(v)} for v in c.cadences],
                "owner_unit": c.owner_unit.name if c.owner_unit else None,
                "source_text": c.source_text,
                "lines": [c.start_line, c.end_line],
                "refined": c.refined,
                "change": c.change,
                "previous_id": c.previous_id,
            }
        )
    blocks: dict[int, list[dict[str, Any]]] = {}
    for b in MeasureBlock.objects.filter(report=report).order_by("order"):
        blocks.setdefault(b.item_id, []).append(
            {"party_label": b.party_label, "party": b.party_name, "party_id": b.party_id, "text": b.text}
        )
    items: dict[int, list[dict[str, Any]]] = {}
    for i in Item.objects.filter(report=report).order_by("order"):
        items.setdefault(i.section_id, []).append(
            {
                "number_path": i.number_path,
                "parent_path": i.parent_path,
                "title": i.title,
                "question": i.question,
                "choices": i.choices,
                "selected": i.selected_choice,
                "text": i.text,
                "lines": [i.start_line, i.end_line],
                "blocks": blocks.get(i.pk, []),
                "commitments": commitments.get(i.pk, []),
            }
        )
    return {
        "id": report.pk,
        "title": report.title,
        "series": report.series,
        "version": report.version,
        "previous_id": report.previous_id,
        "status": report.status,
        "tier": report.tier,
        "report_number": report.report_number,
        "form_version": report.form_version,
        "published_on": report.published_on.isoformat() if report.published_on else None,
        "next_full_reassessment_due": (
            report.next_full_reassessment_due.isoformat() if report.next_full_reassessment_due else None
        ),
        "works": [w.name for w in report.works.all()],
        "source": {"name": report.source_name, "sha256": report.source_sha256, "encoding": report.source_encoding},
        "warnings": report.import_warnings,
        "sections": [
            {"number": s.number, "title": s.title, "items": items.get(s.pk, [])}
            for s in Section.objects.filter(report=report).order_by("order")
        ],
        # Ⅰ/Ⅱ/Ⅴ/Ⅵ as written (``key`` names the ones piaops reads; see ``AssessmentReport.profile``).
        "fields": [
            {
                "section": x.section,
                "group": x.group,
                "label": x.label,
                "key": x.key,
                "value": x.value,
                "choices": x.choices,
                "line": x.line,
            }
            for x in ReportField.objects.filter(report=report).order_by("order")
        ],
    }


XLSX_HEADER = (
    "ID",
    "項目番号",
    "項目名",
    "評価",
    "措置主体",
    "約束の内容",
    "種類",
    "頻度",
    "担当組織",
    "前の版からの変更",
    "手で修正済み",
    "原文の行",
)


def export_xlsx(report: AssessmentReport) -> bytes:
    """One row per commitment (sheet 約束), and the rated items (sheet 評価)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "約束"
    ws.append(list(XLSX_HEADER))
    rows = Commitment.objects.filter(report=report).select_related("item", "owner_unit").order_by("order")
    for c in rows:
        ws.append(
            [
                c.pk,
                c.item.number_path,
                c.item.title,
                c.item.selected_choice,
                c.party_name,
                c.text,
                c.get_kind_display(),
                c.cadences_label,
                c.owner_unit.name if c.owner_unit else "",
                c.get_change_display(),
                "はい" if c.refined else "",
                f"{c.start_line}-{c.end_line}",
            ]
        )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col, width in zip("ABCDEFGHIJKL", (8, 14, 24, 20, 24, 80, 14, 14, 20, 12, 10, 10), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2, min_col=6, max_col=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    rated = wb.create_sheet("評価")
    rated.append(["項目番号", "項目名", "評価", "選択肢"])
    for i in Item.objects.filter(report=report).order_by("order"):
        rated.append([i.number_path, i.title, i.selected_choice, " / ".join(i.choices)])
    for col, width in zip("ABCD", (12, 40, 24, 60), strict=True):
        rated.column_dimensions[col].width = width
    municipality = report.municipality.name
    print_setup(ws, municipality=municipality, title=f"{report} 約束の一覧")
    print_setup(rated, municipality=municipality, title=f"{report} 評価")
    return workbook_bytes(wb)


def _stem(report: AssessmentReport) -> str:
    return f"assessment-{report.pk}-v{report.version}"


def report_export(*, report: AssessmentReport, fmt: str, user: User | None) -> Export:
    """Render ``report`` as ``fmt`` (text, json, xlsx) and record the export in the audit trail."""
    if fmt == "text":
        export = Export(export_text(report).encode("utf-8"), "text/plain; charset=utf-8", f"{_stem(report)}.txt")
    elif fmt == "json":
        body = json.dumps(export_json(report), ensure_ascii=False, indent=2)
        export = Export(body.encode("utf-8"), "application/json", f"{_stem(report)}.json")
    elif fmt == "xlsx":
        export = Export(
            export_xlsx(report),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{_stem(report)}.xlsx",
        )
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    with transaction.atomic():
        record(
            action=Action.EXPORT,
            municipality_id=report.municipality_id,
            obj=report,
            summary=f"評価書を{fmt}形式で出力しました",
            after={"format": fmt, "filename": export.filename, "bytes": len(export.content)},
        )
    return export
