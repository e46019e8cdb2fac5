"""One report source → its PDF (WeasyPrint), XLSX (openpyxl) and DOCX (python-docx) forms, laid out as
municipalities keep them: a two-column table (label, content), headings between the parts, page headers and
footers on every PDF page, a sheet per section in Excel with merged heading rows and line breaks inside cells."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field

_PARAGRAPH = re.compile(r"<p>(.*?)</p>")


@dataclass
class Part:
    """A heading or free paragraph (``rows`` empty) or a table (``rows``: label, then each other cell's
    paragraphs; two columns, or six in 別添3 変更箇所)."""

    text: str = ""
    rows: list[tuple[str, list[list[str]]]] = field(default_factory=list)


def parts_of(markdown: str) -> list[Part]:
    """The source (the reference's markdown form) as parts; HTML entities are resolved to the characters shown."""
    parts: list[Part] = []
    for line in markdown.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue
            content = [
                [html.unescape(p) for p in _PARAGRAPH.findall(cell)] or ([html.unescape(cell)] if cell else [])
                for cell in cells[1:]
            ]
            if not parts or not parts[-1].rows:
                parts.append(Part())
            parts[-1].rows.append((html.unescape(cells[0]), content))
        else:
            parts.append(Part(text=html.unescape(line)))
    return parts


def _sections(parts: list[Part]) -> list[list[Part]]:
    """Parts grouped by section heading (Ⅰ…Ⅵ at the start of a free paragraph)."""
    groups: list[list[Part]] = []
    for part in parts:
        if not groups or (not part.rows and part.text[:1] in "ⅠⅡⅢⅣⅤⅥ"):
            groups.append([])
        groups[-1].append(part)
    return groups


def pdf_of(parts: list[Part], *, running_head: str = "［平成30年5月 様式4］") -> bytes:
    import weasyprint

    from piaops.core.pdf import japanese_font_path

    body: list[str] = []
    for part in parts:
        if not part.rows:
            body.append(f"<p>{html.escape(part.text)}</p>")
            continue
        body.append("<table>")
        for label, content in part.rows:
            cells = "".join("<td>" + "".join(f"<p>{html.escape(p)}</p>" for p in cell) + "</td>" for cell in content)
            body.append(f"<tr><td>{html.escape(label)}</td>{cells}</tr>")
        body.append("</table>")
    document = f"""<html><head><style>
    @font-face {{ font-family: J; src: url("{japanese_font_path().as_uri()}"); }}
    @page {{ size: A4; margin: 22mm 16mm;
      @top-right {{ content: "{running_head}"; font-family: J; font-size: 8pt; }}
      @bottom-left {{ content: "札幌市財政局税政部税制課"; font-family: J; font-size: 8pt; }}
      @bottom-center {{ content: counter(page) " / " counter(pages); font-family: J; font-size: 9pt; }} }}
    body {{ font-family: J; font-size: 11pt; }}
    table {{ border-collapse: collapse; width: 100%; margin: 4pt 0; }}
    td {{ border: 0.75pt solid #000; vertical-align: top; padding: 2pt 4pt; }}
    td:first-child {{ width: 28%; }}
    p {{ margin: 0 0 0.9em 0; }}
    </style></head><body>{"".join(body)}</body></html>"""
    return bytes(weasyprint.HTML(string=document).write_pdf())


def xlsx_of(parts: list[Part]) -> bytes:
    """A sheet per section; headings and free paragraphs in a row merged over both columns; a cell's paragraphs
    separated by line breaks."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    book = Workbook()
    for n, section in enumerate(_sections(parts)):
        sheet = book.active if n == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = f"{n + 1}"
        sheet.column_dimensions["A"].width = 30
        sheet.column_dimensions["B"].width = 90
        row = 1
        for part in section:
            if not part.rows:
                sheet.cell(row=row, column=1, value=part.text)
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
                row += 1
                continue
            for label, content in part.rows:
                sheet.cell(row=row, column=1, value=label)
                for column, paragraphs in enumerate(content, start=2):
                    if paragraphs:
                        cell = sheet.cell(row=row, column=column, value="\n".join(paragraphs))
                        cell.alignment = Alignment(wrap_text=True)
                row += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_of(parts: list[Part]) -> bytes:
    import docx

    document = docx.Document()
    for part in parts:
        if not part.rows:
            document.add_paragraph(part.text)
            continue
        table = document.add_table(rows=0, cols=1 + max(len(content) for _, content in part.rows))
        for label, content in part.rows:
            cells = table.add_row().cells
            cells[0].text = label
            for cell, paragraphs in zip(cells[1:], content, strict=False):
                if paragraphs:
                    cell.text = paragraphs[0]
                    for paragraph in paragraphs[1:]:
                        cell.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
