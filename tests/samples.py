"""Uploaded files for the My Number guard's tests: text, XLSX, DOCX and PDF holding a published test vector."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

import openpyxl

# Published test vectors (pia-domain.md §5), as in tests/lib/test_checkdigits.py.
VECTORS = ["123456789018", "111111111118", "000111111111", "548836529885", "983205673214", "465281266333"]
NUMBER = VECTORS[0]
NOT_A_MY_NUMBER = "123456789012"  # 12 digits with a wrong check digit: an order number must stay writable


def xlsx(cells: dict[tuple[str, str], object], *, comment: str = "") -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "一覧"  # type: ignore[union-attr]
    for (sheet_name, ref), value in cells.items():
        sheet = book[sheet_name] if sheet_name in book.sheetnames else book.create_sheet(sheet_name)
        sheet[ref] = value
    if comment:
        from openpyxl.comments import Comment

        book["一覧"]["A1"].comment = Comment(comment, "作成者")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx(paragraphs: list[list[str]], *, footer: str = "") -> bytes:
    """A minimal WordprocessingML package: each paragraph a list of runs (Word splits text into runs freely)."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "".join("<w:p>" + "".join(f"<w:r><w:t>{run}</w:t></w:r>" for run in runs) + "</w:p>" for runs in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f"<w:document {ns}><w:body>{body}</w:body></w:document>")
        if footer:
            z.writestr("word/footer1.xml", f"<w:ftr {ns}><w:p><w:r><w:t>{footer}</w:t></w:r></w:p></w:ftr>")
    return out.getvalue()


def pdf(pages: list[str]) -> bytes:
    from weasyprint import HTML

    html = "".join(f'<p style="page-break-after: always">{text}</p>' for text in pages)
    return HTML(string=f"<html lang='ja'><body>{html}</body></html>").write_pdf()  # type: ignore[no-any-return]


def png(*, text: dict[str, str] | None = None, size: tuple[int, int] = (8, 8)) -> bytes:
    """A real PNG (Pillow), with optional text chunks (what a person reads in its properties)."""
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_itxt(key, value)
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def not_echoed(text: str) -> bool:
    """No published vector appears in ``text``, however it is spaced or hyphenated (full-width digits included).

    Only separators a person writes inside a number are closed up: dropping every non-digit of a page would join
    unrelated numbers (ids, dates, a CSRF token) into a low-entropy vector such as 000111111111 now and then.
    """
    runs = re.sub(r"(?<=\d)[\s\-‐－ー]+(?=\d)", "", unicodedata.normalize("NFKC", text))
    return not any(vector in run for run in re.findall(r"\d+", runs) for vector in VECTORS)
