"""PDF, XLSX and DOCX files → the report's markdown text form, which :func:`parse_report` reads like any text.

A published report is a two-column table (label column, content column) with headings between its parts. Each
reader turns its file into *blocks* — a free paragraph, or a table row of cells, each cell a list of paragraphs —
and :func:`blocks_text` writes them as the markdown form (``| label | <p>…</p> <p>…</p> |`` rows, free lines), so
structure, commitments and cadences come out of one parser whatever the file was.

- PDF (pdfplumber, on pdfminer.six): the text layer page by page. pdfplumber finds the table's ruling lines and
  gives each cell's text whole, where a plain text-order extraction (pypdf) interleaves the label column with the
  content column line by line ("具体的なチェッ <札幌市…> …" / "ク方法 …"). Lines wrapped inside a paragraph are
  joined; a vertical gap larger than the line spacing starts a new paragraph. Page headers and footers (「n / m」,
  様式番号, a line printed in the page margin on most pages) are dropped. A PDF without any text is refused: OCR
  is out of scope.
- XLSX (openpyxl): every visible sheet in order; in each row the first non-empty cell is the label and the others
  the content, a line break inside a cell separates paragraphs; a row that is one cell merged across the columns
  is a heading (free text); a label merged down over several rows keeps its following rows' content under it.
- DOCX (python-docx): paragraphs and tables in document order, merged cells read once, soft line breaks inside a
  paragraph separating paragraphs as in Excel.

Every refusal is a :class:`ReportParseError` in Japanese; nothing here touches the database.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from typing import Any

from piaops.assessments.parsed import ReportParseError
from piaops.assessments.parser.normalize import clean, is_footer, smart_join
from piaops.assessments.parser.render import render_cell, render_free
from piaops.lib.xlsxfiles import UnreadableWorkbook, cell_text, open_workbook

# A free paragraph, or a table row: cells, each a list of paragraphs.
Block = str | list[list[str]]

MAX_PDF_PAGES = 500  # a full report (全項目評価書) runs to about 100 pages

PDF, XLSX, DOCX = "pdf", "xlsx", "docx"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .xls/.doc and of password-protected .xlsx/.docx
_HINT = "評価書の PDF（文字情報のあるもの）、Excel（.xlsx）、Word（.docx）またはテキストファイルを選んでください。"


def file_kind(data: bytes, filename: str = "") -> str | None:
    """``"pdf"``, ``"xlsx"`` or ``"docx"`` for a file of that kind (by its first bytes, an Office file by its parts),
    ``None`` for anything else (read as text)."""
    if data.startswith(b"%PDF"):
        return PDF
    if data.startswith(_OLE):
        raise ReportParseError(
            "パスワード付きの Office ファイル、または古い形式（.xls・.doc）のファイルは読み込めません。"
            "パスワードを解除し、.xlsx・.docx 形式で保存し直してください。"
        )
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReportParseError(
            "ZIP・Office 形式のファイルとして読み取れません（壊れている可能性があります）。" + _HINT
        ) from exc
    if "xl/workbook.xml" in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    raise ReportParseError("Excel（.xlsx）・Word（.docx）以外の ZIP・Office ファイルは読み込めません。" + _HINT)


def extract_text(data: bytes, kind: str) -> str:
    """The report text of a file of ``kind`` (see :func:`file_kind`), in the markdown form the parser reads."""
    readers = {PDF: pdf_blocks, XLSX: xlsx_blocks, DOCX: docx_blocks}
    return blocks_text(readers[kind](data))


# --- blocks → text -----------------------------------------------------------------------------------------------


def _row_text(cells: list[list[str]]) -> list[str]:
    filled = [c for c in cells if any(p.strip() for p in c)]
    if len(cells) == 1:
        return [render_free(clean(p)) for p in cells[0] if p.strip()]
    if not filled:
        return []
    label = smart_join([clean(p) for p in cells[0]])
    # Each cell stays a cell (a 別添3 row has six); the parser reads the content cells' paragraphs in order.
    contents = [" ".join(f"<p>{render_cell(clean(p))}</p>" for p in c if p.strip()) for c in cells[1:]]
    while len(contents) > 1 and not contents[-1]:
        contents.pop()
    return [f"| {render_cell(label)} | {' | '.join(contents)} |"]


def blocks_text(blocks: list[Block]) -> str:
    """Blocks → the markdown form: a row of one cell (a merged heading row) is free text, like a free paragraph."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            if block.strip():
                out.append(render_free(clean(block)))
        else:
            out.extend(_row_text(block))
    return "\n".join(out) + "\n"


def _paragraphs(text: str) -> list[str]:
    return [p for p in (x.strip() for x in re.split(r"\r\n|\r|\n|\v", text)) if p]


# --- XLSX --------------------------------------------------------------------------------------------------------


def xlsx_blocks(data: bytes) -> list[Block]:
    try:
        workbook = open_workbook(data, read_only=False)  # merged ranges need the full reader
    except UnreadableWorkbook as exc:
        raise ReportParseError(
            exc.message
            or "Excel ファイルとして読み取れません（壊れているか、パスワード付きの可能性があります）。" + _HINT
        ) from exc
    blocks: list[Block] = []
    for sheet in workbook.worksheets:
        if sheet.sheet_state != "visible":
            continue  # hidden sheets hold lookup lists (選択肢), not the report
        blocks.extend(_sheet_blocks(sheet))
    return blocks


def _sheet_blocks(sheet: Any) -> list[Block]:
    # Merged ranges: the anchor cell holds the value; the others are covered (empty).
    covered: set[tuple[int, int]] = set()
    heading_anchor: dict[tuple[int, int], bool] = {}  # anchor → spans the row's columns
    down_from: set[tuple[int, int]] = set()  # cells covered from the row above (a label merged down)
    for rng in sheet.merged_cells.ranges:
        for row in range(rng.min_row, rng.max_row + 1):
            for col in range(rng.min_col, rng.max_col + 1):
                if (row, col) != (rng.min_row, rng.min_col):
                    covered.add((row, col))
                    if row > rng.min_row and col == rng.min_col:
                        down_from.add((row, col))
        heading_anchor[(rng.min_row, rng.min_col)] = rng.max_col > rng.min_col
    blocks: list[Block] = []
    width = sheet.max_column or 1
    for row in sheet.iter_rows():
        values: list[tuple[int, str]] = []
        first_col = 0
        for cell in row:
            if cell.value is None or (cell.row, cell.column) in covered:
                if not first_col and (cell.row, cell.column) in down_from:
                    first_col = -cell.column  # the label is the one merged down from above
                continue
            text = cell_text(cell.value)
            if text.strip():
                values.append((cell.column, text))
                first_col = first_col or cell.column
        if not values:
            continue
        if first_col < 0 and blocks and isinstance(blocks[-1], list) and -first_col < values[0][0]:
            # A row under a label merged down: more content of the same label.
            blocks[-1].extend(_paragraphs(text) for _, text in values)
            continue
        column, text = values[0]
        if len(values) == 1 and (heading_anchor.get((row[0].row, column)) or width == 1):
            blocks.append([_paragraphs(text)])  # a heading merged across the row
            continue
        blocks.append([_paragraphs(text) for _, text in values] if len(values) > 1 else [_paragraphs(text), []])
    return blocks


# --- DOCX --------------------------------------------------------------------------------------------------------


def docx_blocks(data: bytes) -> list[Block]:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # a damaged document fails in zipfile, lxml or python-docx alike
        raise ReportParseError("Word ファイルとして読み取れません（壊れている可能性があります）。" + _HINT) from exc
    blocks: list[Block] = []
    for part in document.iter_inner_content():
        if isinstance(part, Table):
            blocks.extend(_table_blocks(part))
        else:
            blocks.extend(_paragraphs(part.text))
    return blocks


def _table_blocks(table: Any) -> list[Block]:
    blocks: list[Block] = []
    columns = len(table.columns)
    previous_label = None
    for row in table.rows:
        cells = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue  # a cell merged across columns is listed once per column
            seen.add(id(cell._tc))
            cells.append(cell)
        texts = [[p for para in c.paragraphs for p in _paragraphs(para.text)] for c in cells]
        if cells and previous_label is not None and cells[0]._tc is previous_label and blocks:
            last = blocks[-1]
            if isinstance(last, list):
                last.extend(texts[1:])  # a label merged down: more content of the same label
                continue
        previous_label = cells[0]._tc if cells else None
        if len(cells) == 1 and columns > 1:
            blocks.append(texts)  # a heading merged across the row
        else:
            blocks.append(texts if len(texts) > 1 else [*texts, []])
    return blocks


# --- PDF ---------------------------------------------------------------------------------------------------------

# A 様式番号 printed in the page margin ("［平成30年5月 様式4］", "様式4"): a header even on a one-page file.
_STYLE_HEADER = re.compile(r"^[\[［(（]?[^\]］]{0,20}様式\s*[0-9]{1,2}[\]］)）]?$")
# A space was (almost surely) at a wrap before these: a choice "2)", a list number, a marker, a bracket, a bullet.
# A page number in the page margin, beside what else is printed there ("札幌市財政局税政部税制課 1 / 1").
_PAGE_NUMBER = re.compile(r"(?:^|\s)[0-9]{1,4}\s*/\s*[0-9]{1,4}(?:\s*(?:ページ|頁))?(?:\s|$)")
_SPACE_BEFORE = re.compile(r"^(?:[0-9]{1,2}\)|[0-9]{1,2} |[①-⑳]|[<＜【\[［・]|\([0-9]{1,2}\))")
_LONE_NUMBER = re.compile(r"(?:^|[\s。])[0-9]{1,2}$")


def _join_wrapped(lines: list[str]) -> str:
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and (
            _SPACE_BEFORE.match(clean(line)) or _LONE_NUMBER.search(clean(out)) or out.endswith(("]", ">", "］"))
        ):
            out += " " + line
        else:
            out = smart_join([out, line]) if out else line
    return out


def _cell_paragraphs(lines: list[dict[str, Any]]) -> list[str]:
    """Lines of one cell (or of the free text) → paragraphs: a gap larger than the line spacing starts one."""
    paragraphs: list[list[str]] = []
    previous: dict[str, Any] | None = None
    for line in lines:
        height = line["bottom"] - line["top"]
        if previous is None or line["top"] - previous["bottom"] > 0.8 * max(height, 1.0):
            paragraphs.append([])
        paragraphs[-1].append(line["text"])
        previous = line
    return [p for p in (_join_wrapped(x) for x in paragraphs) if p]


def _open_pdf(data: bytes) -> Any:
    import pdfplumber
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        # Encrypted with an empty user password (printing or copying restricted only): readable as it is.
        if reader.is_encrypted and not reader.decrypt(""):
            raise ReportParseError("パスワードで保護された PDF は読み込めません。保護を解除した PDF を選んでください。")
        pages = len(reader.pages)
    except ReportParseError:
        raise
    except Exception as exc:  # a damaged PDF fails in many ways inside pypdf
        raise ReportParseError("PDF として読み取れません（壊れている可能性があります）。" + _HINT) from exc
    if pages > MAX_PDF_PAGES:
        raise ReportParseError(f"PDF のページ数（{pages}）が上限（{MAX_PDF_PAGES}ページ）を超えています。")
    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        raise ReportParseError("PDF として読み取れません（壊れている可能性があります）。" + _HINT) from exc


def pdf_blocks(data: bytes) -> list[Block]:
    pages: list[list[tuple[float, Block, bool]]] = []  # per page: (top, block, in the header/footer band)
    with _open_pdf(data) as pdf:
        try:
            for page in pdf.pages:
                pages.append(_page_blocks(page))
        except ReportParseError:
            raise
        except Exception as exc:
            raise ReportParseError("PDF として読み取れません（壊れている可能性があります）。" + _HINT) from exc
    if not any(pages):
        raise ReportParseError("文字情報のない PDF です（画像だけの PDF は読み込めません。OCR は行いません）。" + _HINT)
    return _without_running_lines(pages)


def _page_blocks(page: Any) -> list[tuple[float, Block, bool]]:
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj: dict[str, Any]) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    found: list[tuple[float, Block, bool]] = []
    band = page.height * 0.09
    free = page.filter(lambda obj: obj.get("object_type") != "char" or outside(obj))
    lines = [x for x in free.extract_text_lines(return_chars=False) if x["text"].strip()]
    for paragraph_lines in _free_groups(lines):
        top = paragraph_lines[0]["top"]
        in_band = top < band or paragraph_lines[-1]["bottom"] > page.height - band
        for text in _cell_paragraphs(paragraph_lines):
            found.append((top, text, in_band))
    for table in tables:
        for row in table.rows:
            cells: list[list[str]] = []
            for bbox in row.cells:
                if bbox is None:
                    continue  # covered by a cell merged across columns
                inner = page.within_bbox(bbox).extract_text_lines(return_chars=False)
                cells.append(_cell_paragraphs([x for x in inner if x["text"].strip()]))
            if any(cells):
                found.append((row.bbox[1], cells, False))
    found.sort(key=lambda x: x[0])
    return found


def _free_groups(lines: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Free lines in groups that may form one paragraph: a line printed in the margin stays alone."""
    return [[line] for line in lines] if len(lines) < 2 else _split_far(lines)


def _split_far(lines: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: list[list[dict[str, Any]]] = [[lines[0]]]
    for line in lines[1:]:
        previous = groups[-1][-1]
        height = previous["bottom"] - previous["top"]
        if line["top"] - previous["bottom"] > 0.8 * max(height, 1.0):
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def _running_key(text: str) -> str:
    return re.sub(r"[0-9]+", "#", clean(text))


def _without_running_lines(pages: list[list[tuple[float, Block, bool]]]) -> list[Block]:
    """Drop page numbers, and lines in the header/footer band printed on most pages (様式番号, the department…);
    a row of a table cut by a page break continues the row before it when its label cell is empty."""
    per_page: Counter[str] = Counter()
    for page in pages:
        per_page.update({_running_key(b) for _, b, band in page if band and isinstance(b, str)})
    running = {key for key, n in per_page.items() if len(pages) >= 2 and n * 2 >= len(pages) and n >= 2}
    blocks: list[Block] = []
    for page in pages:
        first = True  # the first block of the page after its header
        for _, block, band in page:
            if isinstance(block, str):
                text = clean(block)
                footer = band and (
                    _PAGE_NUMBER.search(text) or _running_key(block) in running or _STYLE_HEADER.match(text)
                )
                if is_footer(text) or footer:
                    continue
                blocks.append(block)
                first = False
                continue
            previous = blocks[-1] if blocks else None
            continues = first and isinstance(previous, list) and not any(block[0]) and len(block) == len(previous)
            first = False
            if continues and isinstance(previous, list):
                for cell, more in zip(previous, block, strict=True):
                    cell.extend(more)
                continue
            blocks.append(block)
    return blocks
