"""The Section Ⅳ evidence report as files: text (the report's own form), XLSX and PDF. Each export is recorded in
the audit trail by ``export``."""

from __future__ import annotations

from dataclasses import dataclass

from piaops.audittrail.context import Actor
from piaops.audittrail.services import record_export
from piaops.core.pdf import render_pdf
from piaops.lib.safeexport import workbook_bytes
from piaops.reports.section4 import Section4, to_text

FORMATS = ("text", "xlsx", "pdf")
CONTENT_TYPES = {
    "text": "text/plain; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
SUFFIX = {"text": "txt", "xlsx": "xlsx", "pdf": "pdf"}


@dataclass(frozen=True)
class File:
    content: bytes
    content_type: str
    filename: str


def to_xlsx(s4: Section4) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from piaops.lib.xlsxprint import print_setup

    municipality = s4.report.municipality.name
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ⅳ 評価"
    ws.append([f"{s4.report}　{s4.fiscal_year_text}　Ⅳ その他のリスク対策（基準日 {s4.today.isoformat()}）"])
    ws.append(
        ["項目", "名称", "提案された評価", "採用した評価", "理由", "評価書の現在の記載", "根拠の数値", "ルール", "注記"]
    )
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for i in s4.items:
        numbers = "\n".join([*i.numbers, *(f"データなし：{m}" for m in i.missing)])
        ws.append([i.path, i.title, i.suggested_text, i.chosen_text, i.reason, i.in_report, numbers, i.rule, i.note])
    for col, width in zip("ABCDEFGHI", (10, 24, 24, 24, 30, 24, 60, 80, 40), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for table in s4.evidence:
        sheet = wb.create_sheet(table.title[:31].replace("/", "・"))
        sheet.append(table.header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r in table.rows:
            sheet.append(r)
        print_setup(sheet, municipality=municipality, title=f"Ⅳ 根拠資料 {table.title}")
    print_setup(ws, municipality=municipality, title=f"{s4.report} Ⅳ その他のリスク対策", header_rows=(2, 2))
    return workbook_bytes(wb)


def to_pdf(s4: Section4) -> bytes:
    return render_pdf("reports/section4_pdf.html", {"s4": s4})


def export(s4: Section4, *, fmt: str, actor: Actor | None = None) -> File:
    """The file in ``fmt`` (one of ``FORMATS``), recorded in the audit trail."""
    if fmt == "text":
        content = to_text(s4).encode("utf-8")
    elif fmt == "xlsx":
        content = to_xlsx(s4)
    elif fmt == "pdf":
        content = to_pdf(s4)
    else:
        raise ValueError(f"形式は {', '.join(FORMATS)} のいずれかです。")
    record_export(
        municipality_id=s4.report.municipality_id,
        what="評価書Ⅳの根拠資料",
        file_format=fmt,
        rows=len(s4.items) + sum(len(t.rows) for t in s4.evidence),
        criteria={"report": s4.report.pk, "fiscal_year": s4.fiscal_year},
        actor=actor,
    )
    return File(content, CONTENT_TYPES[fmt], f"section4-{s4.report.pk}-{s4.fiscal_year}.{SUFFIX[fmt]}")
