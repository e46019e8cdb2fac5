"""The My Number guard for uploaded files: one scan for every upload path (evidence, imports, API).

What is read, and how a finding is located (never echoed):

- plain text and CSV (UTF-8 with or without BOM, or CP932, via :func:`piaops.lib.textfiles.decode_text`): the whole
  text, so a number broken over lines is still found; the line of its first digit is named;
- XLSX: every cell of every sheet (values and formulas), then the workbook's other XML parts (comments, headers,
  properties); the sheet and cell are named;
- DOCX: the text of each paragraph of the body, headers, footers, footnotes and comments, runs joined as Word
  shows them; the paragraph is named;
- other Office Open XML / ZIP files (pptx, odt…): the text of every XML/text part; a plain ZIP archive: each member
  is scanned as a file of its own (one level deep);
- PDF: the text layer of every page (``pypdf``); the page is named.

Images (PNG, JPEG, GIF, TIFF, BMP, WebP, HEIC) and PDF pages without a text layer cannot be read without OCR, which
piaops does not run (no OCR engine on the LGWAN-side server, and none that is reliable on Japanese forms). They are
**accepted with a note** (:attr:`ScanResult.note`) that the callers record in the audit trail: photos of locked doors
and scanned signed documents are everyday evidence, and refusing them would only push users to wrap the same image
in a PDF, which would then pass unread anyway. Every other binary type (old .xls/.doc, encrypted or damaged files,
executables…) is **refused**: what cannot be read cannot be shown to be free of a 個人番号.

Files are always refused when a candidate is found; the masking policy (``PIAOPS_MYNUMBER_POLICY``) applies only to
text typed into forms and API fields, because a stored file must stay byte-for-byte what was received (its SHA-256
is the evidence).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from piaops.lib.mynumber import find_my_numbers
from piaops.lib.textfiles import UndecodableFile, decode_text

# Bounds against zip bombs and pathological files (the upload limit bounds the compressed size).
MAX_PART_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 2000

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
    b"BM",
)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
IMAGE_NOTE = "画像ファイルのため内容の個人番号検査は行っていません（OCRなし）"


class FileRefused(ValueError):
    """The file holds a 個人番号 candidate, or cannot be read. ``str()`` is a Japanese message for the user that names
    the file and where (sheet/cell, line, page, paragraph), never the number. ``code`` is ``my_number`` or
    ``unreadable``."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ScanResult:
    """A file that passed: its kind (``text``, ``xlsx``, ``docx``, ``ooxml``, ``zip``, ``pdf``, ``image``) and a note
    when part of it could not be read (images, PDF pages without text); empty when every byte of text was read."""

    kind: str
    note: str = ""


def _found(name: str, where: str) -> FileRefused:
    place = f"ファイル「{name}」の{where}" if where else f"ファイル「{name}」"
    return FileRefused(
        f"{place}に個人番号と思われる12桁の数字が含まれています。個人番号を含むファイルは登録できません。"
        "該当箇所を削除してから、もう一度指定してください。",
        code="my_number",
    )


def _unreadable(name: str, why: str) -> FileRefused:
    return FileRefused(
        f"ファイル「{name}」は{why}ため、個人番号が含まれていないことを確認できません。"
        "テキスト（CSV）、Excel（.xlsx）、Word（.docx）、テキストを含む PDF、または画像で登録してください。",
        code="unreadable",
    )


def _first_line(text: str) -> int | None:
    spans = find_my_numbers(text)
    return text.count("\n", 0, spans[0][0]) + 1 if spans else None


def _is_image(data: bytes) -> bool:
    if data.startswith(_IMAGE_MAGIC):
        return True
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return True
    return data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"avif")


def _column(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_text(raw: bytes) -> str:
    # Tags become single spaces so that numbers of adjacent elements stay apart as written, but a number split over
    # runs ("1234" "5678 9018") is still found (the candidate pattern allows separators).
    return _SPACES.sub(" ", _TAG.sub(" ", raw.decode("utf-8", errors="ignore")))


def _cells(data: bytes, *, data_only: bool) -> Iterator[tuple[str, str, str]]:
    """(sheet, cell, text) of every cell holding text or a number of 12 digits or more. With ``data_only`` the values
    (formulas' cached results), without it the formulas themselves."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    value = getattr(cell, "value", None)
                    if isinstance(value, bool) or value is None:
                        continue
                    if isinstance(value, int | float):
                        if abs(value) < 10**11:
                            continue
                        value = str(int(value)) if float(value).is_integer() else str(value)
                    if isinstance(value, str):
                        column, row_number = getattr(cell, "column", None), getattr(cell, "row", None)
                        coordinate = f"{_column(column)}{row_number}" if column and row_number else "?"
                        yield sheet.title, coordinate, value
    finally:
        book.close()


def _scan_xlsx(name: str, archive: zipfile.ZipFile, data: bytes) -> None:
    try:
        for data_only in (True, False):
            for sheet, coordinate, text in _cells(data, data_only=data_only):
                if find_my_numbers(text):
                    raise _found(name, f"シート「{sheet}」のセル {coordinate}")
    except FileRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, key errors) for a damaged file
        raise _unreadable(name, "Excel ファイルとして読み取れない") from exc
    # The other parts: comments, headers and footers, document properties, drawings' text.
    skip = ("xl/worksheets/", "xl/sharedStrings.xml")
    for info in archive.infolist():
        if info.filename.startswith(skip) or not info.filename.endswith(".xml"):
            continue
        if find_my_numbers(_xml_text(_read(name, archive, info))):
            raise _found(name, f"「{info.filename}」（コメント・ヘッダーなど）")


def _read(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_PART_BYTES:
        raise _unreadable(name, f"展開後の大きさが上限を超える部分（{info.filename}）を含む")
    try:
        return archive.read(info)
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError) as exc:  # encrypted or damaged member
        raise _unreadable(name, "暗号化されているか壊れている") from exc


def _paragraphs(raw: bytes) -> Iterator[str]:
    root = ElementTree.fromstring(raw)
    for paragraph in root.iter(f"{_W}p"):
        yield "".join(t.text or "" for t in paragraph.iter(f"{_W}t"))


def _scan_docx(name: str, archive: zipfile.ZipFile) -> None:
    parts = [i for i in archive.infolist() if i.filename.startswith("word/") and i.filename.endswith(".xml")]
    for info in parts:
        raw = _read(name, archive, info)
        label = "本文" if info.filename == "word/document.xml" else f"「{info.filename}」"
        try:
            for number, text in enumerate(_paragraphs(raw), start=1):
                if find_my_numbers(text):
                    raise _found(name, f"{label}の{number}段落目")
        except ElementTree.ParseError as exc:
            raise _unreadable(name, "Word ファイルとして読み取れない") from exc
        # Text outside paragraphs (text boxes' fallbacks, fields) and numbers split oddly: the part's whole text.
        if find_my_numbers(_xml_text(raw)):
            raise _found(name, label)
    for info in archive.infolist():
        if not info.filename.startswith("word/") and info.filename.endswith(".xml"):
            if find_my_numbers(_xml_text(_read(name, archive, info))):
                raise _found(name, f"「{info.filename}」（文書のプロパティなど）")


def _scan_zip(name: str, data: bytes, *, depth: int) -> ScanResult:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _unreadable(name, "ZIP 形式として壊れている") from exc
    if len(members) > MAX_MEMBERS:
        raise _unreadable(name, "含まれるファイルが多すぎる")
    names = {m.filename for m in members}
    with archive:
        if "xl/workbook.xml" in names:
            _scan_xlsx(name, archive, data)
            return ScanResult("xlsx")
        if "word/document.xml" in names:
            _scan_docx(name, archive)
            return ScanResult("docx")
        if "[Content_Types].xml" in names or "mimetype" in names:
            for info in members:
                if info.filename.endswith((".xml", ".txt", ".csv", ".rels")):
                    if find_my_numbers(_xml_text(_read(name, archive, info))):
                        raise _found(name, f"「{info.filename}」")
            return ScanResult("ooxml")
        if depth > 0:
            raise _unreadable(name, "ZIP の中にさらに ZIP を含む")
        notes: list[str] = []
        for info in members:
            if info.is_dir():
                continue
            inner = scan(f"{name}／{info.filename}", _read(name, archive, info), depth=depth + 1)
            if inner.note:
                notes.append(f"{info.filename}: {inner.note}")
        return ScanResult("zip", "；".join(notes))


def _scan_pdf(name: str, data: bytes) -> ScanResult:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _unreadable(name, "パスワードで保護されている")
        blank: list[int] = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            if not text.strip():
                blank.append(number)
            elif find_my_numbers(text):
                raise _found(name, f"{number}ページ目")
        # Form field values and annotations are text too.
        for value in (reader.get_form_text_fields() or {}).values():
            if isinstance(value, str) and find_my_numbers(value):
                raise _found(name, "入力欄（フォーム）")
    except FileRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise _unreadable(name, "PDF として読み取れない") from exc
    if blank:
        pages = "、".join(str(n) for n in blank[:10]) + ("…" if len(blank) > 10 else "")
        return ScanResult(
            "pdf", f"テキストを含まないページ（{pages}ページ目）は個人番号検査を行っていません（OCRなし）"
        )
    return ScanResult("pdf")


def scan(name: str, data: bytes, *, depth: int = 0) -> ScanResult:
    """Scan the bytes of an uploaded file named ``name``; raise :class:`FileRefused` if it holds a 個人番号 candidate
    or cannot be read (see the module docstring for what is read and what is accepted unread). Nothing else is
    raised: a damaged file fails in many ways inside zipfile, zlib, openpyxl or pypdf, and each is a refusal."""
    try:
        return _scan(name, data, depth=depth)
    except FileRefused:
        raise
    except Exception as exc:  # see the docstring: what cannot be read is refused, never a 500
        raise _unreadable(name, "壊れているか、読み取れない形式である") from exc


def _scan(name: str, data: bytes, *, depth: int) -> ScanResult:
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        return _scan_zip(name, data, depth=depth)
    if data[:5] == b"%PDF-":
        return _scan_pdf(name, data)
    if _is_image(data):
        return ScanResult("image", IMAGE_NOTE)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _unreadable(name, "古い Office 形式（.xls/.doc）またはパスワード付きの Office ファイルである")
    if not data.strip():
        return ScanResult("text")
    try:
        text, _encoding = decode_text(data, what=f"ファイル「{name}」")
    except UndecodableFile as exc:
        raise _unreadable(name, "テキストとしても既知の形式としても読み取れない") from exc
    line = _first_line(text)
    if line is not None:
        raise _found(name, f"{line}行目")
    return ScanResult("text")


def check_text(text: str, *, name: str) -> None:
    """Refuse already decoded text (an import that decoded the file itself), naming the line."""
    line = _first_line(text)
    if line is not None:
        raise _found(name, f"{line}行目")


def my_number_refusal(name: str, data: bytes) -> str | None:
    """For importers, after their own reading found nothing: the refusal message when a candidate sits anywhere in
    the file (another sheet, an unused column, a comment), else ``None``. A file the scan cannot read gives ``None``:
    the importer's own reader has already decided what it accepts."""
    try:
        scan(name, data)
    except FileRefused as exc:
        return str(exc) if exc.code == "my_number" else None
    return None
