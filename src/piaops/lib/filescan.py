"""The My Number guard for uploaded files: one scan for every upload path (evidence, imports, API).

**Recognised by parsing, not by first bytes.** The type a file claims is its name's extension when that is a known
one (``.png``, ``.pdf``, ``.xlsx``, ``.csv``…), else what its first bytes suggest; the file must then parse fully
as that type, or it is refused. A text file beginning ``BM`` or ``GIF89a`` named ``.bmp``/``.gif`` is refused; named
``.csv`` or nothing at all it is read as the text it is.

What is read — everything a person can read — and how a finding is located (never echoed):

- plain text and CSV (UTF-8 with or without BOM, or CP932, via :func:`piaops.lib.textfiles.decode_text`): the whole
  text, so a number broken over lines is still found; in a delimited file (CSV, TSV) each field is read as well, and
  the delimiter ends a number instead of separating its groups; the line of the first digit is named;
- XLSX: every cell of every sheet (values, cached results and formulas, shared and inline strings), sheet names,
  defined names, headers and footers, comments and threaded comments, data-validation prompts, hyperlink texts,
  drawings and charts (text boxes, alt text), pivot caches, document properties; embedded files are scanned as
  files of their own; the sheet and cell are named. The workbook's size is checked first
  (:func:`piaops.lib.xlsxfiles.preflight`);
- DOCX (and other Office Open XML): each paragraph of the body, text boxes, headers, footers, footnotes,
  endnotes, comments, alt text and document properties, runs joined as Word shows them; embedded workbooks and
  documents are scanned as files of their own; the paragraph is named;
- a plain ZIP archive: each member is scanned as a file of its own (one level deep);
- PDF: the text layer of every page, annotations (sticky notes, free text, their pop-ups), form fields, the
  document information and XMP metadata, bookmarks, and embedded files (scanned as files of their own); the page
  is named;
- images (PNG, JPEG, GIF, TIFF, BMP, WebP), fully decoded by Pillow: their metadata (EXIF, PNG text chunks,
  comments, XMP) and any text appended after the image data.

The pixels of images and PDF pages without a text layer cannot be read without OCR, which piaops does not run (no
OCR engine on the LGWAN-side server, and none that is reliable on Japanese forms). They are **accepted with a note**
(:attr:`ScanResult.note`) that the callers record in the audit trail: photos of locked doors and scanned signed
documents are everyday evidence, and refusing them would only push users to wrap the same image in a PDF, which
would then pass unread anyway. Every other binary type (old .xls/.doc, HEIC, encrypted or damaged files,
executables…) is **refused**: what cannot be read cannot be shown to be free of a 個人番号.

Files are always refused when a candidate is found; the masking policy (``PIAOPS_MYNUMBER_POLICY``) applies only to
text typed into forms and API fields, because a stored file must stay byte-for-byte what was received (its SHA-256
is the evidence).
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from piaops.lib.mynumber import find_my_numbers
from piaops.lib.textfiles import UndecodableFile, decode_text
from piaops.lib.xlsxfiles import UnreadableWorkbook, preflight

# Bounds against zip bombs and pathological files (the upload limit bounds the compressed size).
MAX_PART_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_DEPTH = 2  # a zip or an Office file may hold files, which may hold files; no deeper

IMAGE_NOTE = "画像ファイルのため内容の個人番号検査は行っていません（OCRなし）"
_IMAGE_FORMATS = {"PNG", "JPEG", "GIF", "TIFF", "BMP", "WEBP", "MPO"}
_RAW_READABLE = {"PNG", "JPEG", "GIF", "WEBP", "MPO"}  # compressed pixels: text in the bytes is metadata or appended
_EXTENSIONS = {
    **dict.fromkeys(("png", "jpg", "jpeg", "jpe", "jfif", "gif", "bmp", "dib", "tif", "tiff", "webp"), "image"),
    **dict.fromkeys(("heic", "heif", "avif"), "heic"),
    "pdf": "pdf",
    **dict.fromkeys(("xlsx", "xlsm", "docx", "docm", "pptx", "pptm", "odt", "ods", "odp", "zip"), "zip"),
    **dict.fromkeys(("csv", "tsv", "tab", "txt", "text", "log", "md"), "text"),
    **dict.fromkeys(("xls", "doc", "ppt", "msg"), "ole"),
}
_MAGIC_IMAGE = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
# Element and attribute names (local part) whose text a person reads in Office Open XML parts.
_RUNS = {"t", "delText", "instrText"}  # pieces of one paragraph, joined as shown
_PARAGRAPHS = {"p", "si", "r", "comment", "threadedComment", "text", "txBody", "is"}
_READABLE_ATTRIBUTES = {"name", "descr", "title", "prompt", "promptTitle", "error", "errorTitle", "tooltip"}
_READABLE_ATTRIBUTES |= {"display", "v", "caption", "displayName", "author", "comment", "userName"}
_SKIPPED_BINARY = ("printerSettings", "vbaProject", "/fonts/", "thumbnail", "/media/")


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
        "テキスト（CSV）、Excel（.xlsx）、Word（.docx）、テキストを含む PDF、または画像（PNG・JPEG など）で"
        "登録してください。",
        code="unreadable",
    )


def _check(name: str, where: str, texts: Iterable[str]) -> None:
    for text in texts:
        if text and find_my_numbers(text):
            raise _found(name, where)


def _first_line(text: str, *, breaks: str = "") -> int | None:
    spans = find_my_numbers(text, breaks=breaks)
    return text.count("\n", 0, spans[0][0]) + 1 if spans else None


def _column(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _segments(raw: bytes) -> Iterator[str]:
    """What a person reads in an XML part: each paragraph (its runs joined as shown), each other element's text, and
    the readable attributes (sheet and defined names, alt text, prompts, tooltips, cached values)."""
    runs: list[str] = []
    for event, element in ElementTree.iterparse(io.BytesIO(raw), events=("start", "end")):
        local = _local(element.tag)
        if event == "start":
            for key, value in element.attrib.items():
                if value and _local(key) in _READABLE_ATTRIBUTES:
                    yield value
            continue
        if local in _RUNS:
            runs.append(element.text or "")
        elif local in _PARAGRAPHS:
            if runs:
                yield "".join(runs)
                runs = []
        elif element.text and element.text.strip() and len(element) == 0:
            yield element.text
        element.clear()
    if runs:
        yield "".join(runs)


def _xml_text(raw: bytes) -> str:
    # VML and other tag soup that is not well-formed XML: tags become single spaces (kept apart as written).
    return _SPACES.sub(" ", _TAG.sub(" ", raw.decode("utf-8", errors="ignore")))


def _read(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_PART_BYTES:
        raise _unreadable(name, f"展開後の大きさが上限を超える部分（{info.filename}）を含む")
    try:
        return archive.read(info)
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError, EOFError) as exc:  # encrypted or damaged
        raise _unreadable(name, "暗号化されているか壊れている") from exc


def _scan_part(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> None:
    raw = _read(name, archive, info)
    try:
        _check(name, where, _segments(raw))
    except ElementTree.ParseError:
        if info.filename.endswith((".vml", ".rels")) or not raw.lstrip().startswith(b"<"):
            _check(name, where, [_xml_text(raw)])
        else:
            raise _unreadable(name, f"部品「{info.filename}」が XML として壊れている") from None


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id → target part name of ``part``."""
    folder, base = posixpath.split(part)
    path = posixpath.join(folder, "_rels", base + ".rels")
    try:
        root = ElementTree.fromstring(archive.read(path))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {}
    for rel in root:
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        targets[rel.get("Id", "")] = resolved
    return targets


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet title."""
    rels = _rels(archive, "xl/workbook.xml")
    titles = {}
    root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    for element in root.iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            if rid in rels:
                titles[rels[rid]] = element.get("name", "")
    return titles


def _shared_strings(name: str, archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the shared strings holding a candidate."""
    flagged: set[int] = set()
    if "xl/sharedStrings.xml" not in archive.namelist():
        return flagged
    raw = _read(name, archive, archive.getinfo("xl/sharedStrings.xml"))
    index = 0
    for _event, element in ElementTree.iterparse(io.BytesIO(raw)):
        if _local(element.tag) == "si":
            text = "".join(e.text or "" for e in element.iter() if _local(e.tag) == "t")
            if find_my_numbers(text):
                flagged.add(index)
            index += 1
            element.clear()
    return flagged


def _cell_value(text: str) -> str:
    """A numeric cell's value as the digits a person sees (1.23456789018E+11 → 123456789018)."""
    try:
        number = float(text)
    except ValueError:
        return text
    if abs(number) >= 10**11 and number.is_integer() and abs(number) < 10**16:
        return str(int(number))
    return text


def _scan_sheet(name: str, archive: zipfile.ZipFile, part: str, title: str, flagged: set[int]) -> None:
    raw = _read(name, archive, archive.getinfo(part))
    for event, element in ElementTree.iterparse(io.BytesIO(raw), events=("start", "end")):
        local = _local(element.tag)
        if event == "start":
            texts = [v for k, v in element.attrib.items() if v and _local(k) in _READABLE_ATTRIBUTES]
            _check(name, f"シート「{title}」", texts)
            continue
        if local == "c":
            coordinate = element.get("r", "?")
            kind = element.get("t", "n")
            texts = []
            for child in element.iter():
                child_local = _local(child.tag)
                if child_local == "v" and child.text:
                    if kind == "s":
                        if child.text.strip().isdigit() and int(child.text) in flagged:
                            raise _found(name, f"シート「{title}」のセル {coordinate}")
                    else:
                        texts.append(_cell_value(child.text) if kind == "n" else child.text)
                elif child_local in ("f", "t") and child.text:
                    texts.append(child.text)
            if kind == "inlineStr":
                texts.append("".join(e.text or "" for e in element.iter() if _local(e.tag) == "t"))
            _check(name, f"シート「{title}」のセル {coordinate}", texts)
            element.clear()
        elif local in ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"):
            _check(name, f"シート「{title}」のヘッダー・フッター", [element.text or ""])
        elif local == "row":
            element.clear()


def _scan_embedded(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, depth: int) -> list[str]:
    inner = scan(f"{name}／{info.filename}", _read(name, archive, info), depth=depth + 1)
    return [f"{info.filename}: {inner.note}"] if inner.note else []


def _scan_ooxml(name: str, archive: zipfile.ZipFile, depth: int, kind: str) -> ScanResult:
    notes: list[str] = []
    names = set(archive.namelist())
    titles = _sheet_titles(archive) if kind == "xlsx" else {}
    flagged = _shared_strings(name, archive) if kind == "xlsx" else set()
    for part, title in titles.items():
        if part in names:
            _scan_sheet(name, archive, part, title, flagged)
    if flagged:
        raise _found(name, "共有文字列（xl/sharedStrings.xml）")
    images = 0
    for info in archive.infolist():
        filename = info.filename
        if info.is_dir() or filename in titles or filename == "xl/sharedStrings.xml":
            continue
        lower = filename.lower()
        if "/embeddings/" in lower and not lower.endswith((".xml", ".rels")):
            notes += _scan_embedded(name, archive, info, depth)
        elif lower.endswith((".xml", ".rels", ".vml")):
            if kind == "docx" and filename.startswith("word/"):
                where = "本文" if filename == "word/document.xml" else f"「{filename}」"
                _scan_paragraphs(name, archive, info, where)
            else:
                where = "コメント・ヘッダーなど" if kind == "xlsx" else "文書のプロパティなど"
                _scan_part(name, archive, info, f"「{filename}」（{where}）")
        elif "/media/" in lower or "thumbnail" in lower:
            images += 1
        elif lower.endswith((".txt", ".csv")):
            notes += _scan_embedded(name, archive, info, depth)
    if images:
        notes.append(f"埋め込み画像 {images} 件: {IMAGE_NOTE}")
    return ScanResult(kind, "；".join(notes))


def _scan_paragraphs(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> None:
    raw = _read(name, archive, info)
    number = 0
    runs: list[str] = []
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(raw), events=("start", "end")):
            local = _local(element.tag)
            if event == "start":
                if local == "p":
                    number += 1
                texts = [v for k, v in element.attrib.items() if v and _local(k) in ("descr", "title", "author")]
                _check(name, label, texts)
            elif local in _RUNS:
                runs.append(element.text or "")
            elif local == "p":
                _check(name, f"{label}の{number}段落目", ["".join(runs)])
                runs = []
    except ElementTree.ParseError as exc:
        raise _unreadable(name, "Word ファイルとして読み取れない") from exc
    # Text outside paragraphs (fields, fallbacks): the part's whole text.
    _check(name, label, [_xml_text(raw)])


def _scan_zip(name: str, data: bytes, *, depth: int) -> ScanResult:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable(name, "ZIP 形式として壊れている") from exc
    if len(members) > MAX_MEMBERS:
        raise _unreadable(name, "含まれるファイルが多すぎる")
    if sum(m.file_size for m in members) > MAX_PART_BYTES * 4:
        raise _unreadable(name, "展開後の大きさが上限を超える")
    names = {m.filename for m in members}
    with archive:
        if "xl/workbook.xml" in names:
            try:
                preflight(archive)
            except UnreadableWorkbook as exc:
                raise FileRefused(f"ファイル「{name}」: {exc.message}", code="unreadable") from exc
            try:
                return _scan_ooxml(name, archive, depth, "xlsx")
            except (ElementTree.ParseError, KeyError) as exc:
                raise _unreadable(name, "Excel ファイルとして読み取れない") from exc
        if "word/document.xml" in names:
            return _scan_ooxml(name, archive, depth, "docx")
        if "[Content_Types].xml" in names or "mimetype" in names:
            return _scan_ooxml(name, archive, depth, "ooxml")
        if depth > 0:
            raise _unreadable(name, "ZIP の中にさらに ZIP を含む")
        notes: list[str] = []
        for info in members:
            if not info.is_dir():
                notes += _scan_embedded(name, archive, info, depth)
        return ScanResult("zip", "；".join(notes))


def _pdf_strings(value: object, seen: set[int], depth: int = 0) -> Iterator[str]:
    """Every string in a PDF object (dictionaries, arrays, indirect objects), at most 8 levels deep."""
    from pypdf.generic import IndirectObject

    if depth > 8:
        return
    if isinstance(value, IndirectObject):
        if id(value) in seen or value.idnum in seen:
            return
        seen.add(value.idnum)
        value = value.get_object()
    if isinstance(value, str):
        yield str(value)
    elif isinstance(value, bytes):
        yield value.decode("latin-1")
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ("/Parent", "/P", "/Popup", "/Dest", "/A", "/AP", "/Font", "/Resources", "/EF"):
                yield from _pdf_strings(item, seen, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _pdf_strings(item, seen, depth + 1)


def _scan_pdf(name: str, data: bytes, *, depth: int) -> ScanResult:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    notes: list[str] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _unreadable(name, "パスワードで保護されている")
        if len(reader.pages) == 0:
            raise _unreadable(name, "ページのない PDF である")
        blank: list[int] = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            if not text.strip():
                blank.append(number)
            elif find_my_numbers(text):
                raise _found(name, f"{number}ページ目")
            for annotation in page.get("/Annots") or []:
                annotation = annotation.get_object()
                _check(name, f"{number}ページ目の注釈（付箋など）", _pdf_strings(annotation, set()))
                if annotation.get("/Subtype") == "/FileAttachment":
                    spec: Any = annotation.get("/FS")
                    spec = spec.get_object() if spec is not None else None
                    embedded = spec.get("/EF", {}).get_object().get("/F") if spec is not None else None
                    if embedded is not None:
                        content = embedded.get_object().get_data()
                        inner = scan(f"{name}／{spec.get('/F', '添付')}", content, depth=depth + 1)
                        notes += [inner.note] if inner.note else []
        for field in (reader.get_fields() or {}).values():
            _check(name, "入力欄（フォーム）", _pdf_strings(field, set()))
        if reader.metadata:
            _check(name, "文書のプロパティ", (str(v) for v in reader.metadata.values()))
        root: Any = reader.trailer["/Root"].get_object()
        if "/Metadata" in root:
            _check(name, "XMP メタデータ", [root["/Metadata"].get_object().get_data().decode("utf-8", "ignore")])
        _check(name, "しおり", _outline_titles(reader.outline))
        for attached, contents in reader.attachments.items():
            for content in contents:
                inner = scan(f"{name}／{attached}", content, depth=depth + 1)
                notes += [inner.note] if inner.note else []
    except FileRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as exc:
        raise _unreadable(name, "PDF として読み取れない") from exc
    if blank:
        pages = "、".join(str(n) for n in blank[:10]) + ("…" if len(blank) > 10 else "")
        notes.insert(0, f"テキストを含まないページ（{pages}ページ目）は個人番号検査を行っていません（OCRなし）")
    return ScanResult("pdf", "；".join(notes))


def _outline_titles(outline: object) -> Iterator[str]:
    if isinstance(outline, list):
        for item in outline:
            yield from _outline_titles(item)
    elif isinstance(outline, dict):
        yield str(outline.get("/Title", ""))


def _scan_image(name: str, data: bytes) -> ScanResult:
    """Decode the whole image with Pillow (refusing what does not decode, and decompression bombs), then read its
    metadata and, for compressed formats, any text in its bytes (text chunks, comments, data after the image)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format or ""
                if image_format not in _IMAGE_FORMATS:
                    raise _unreadable(name, f"対応していない画像形式（{image_format}）である")
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                texts = [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in image.info.values()]
                exif = image.getexif()
                texts += [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in exif.values()]
                for ifd in (0x8769, 0x8825):  # Exif and GPS IFDs (UserComment, ImageDescription…)
                    for v in exif.get_ifd(ifd).values():
                        texts.append(v.decode("latin-1") if isinstance(v, bytes) else str(v))
    except FileRefused:
        raise
    except Image.DecompressionBombWarning as exc:
        raise _unreadable(name, "画素数が多すぎる画像である") from exc
    except Exception as exc:  # Pillow raises many kinds for a damaged or foreign file
        raise _unreadable(name, "画像として読み取れない") from exc
    _check(name, "画像のメタデータ（コメント・説明など）", texts)
    if image_format in _RAW_READABLE:
        _check(name, "画像のデータ", [data.decode("latin-1")])
    elif image_format == "BMP" and len(data) > 6:
        declared = int.from_bytes(data[2:6], "little")
        if 0 < declared < len(data):
            _check(name, "画像の後ろに付いたデータ", [data[declared:].decode("latin-1")])
    return ScanResult("image", IMAGE_NOTE)


def _claimed(name: str) -> str | None:
    """The type the file's name claims (None for an unknown or missing extension)."""
    base = name.rsplit("／", 1)[-1].rsplit("/", 1)[-1]
    return _EXTENSIONS.get(base.rsplit(".", 1)[-1].lower()) if "." in base else None


def _sniffed(data: bytes) -> str:
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:5] == b"%PDF-":
        return "pdf"
    if data.startswith(_MAGIC_IMAGE) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"avif", b"msf1", b"hevc"):
        return "heic"
    if data[:8] == _OLE:
        return "ole"
    return "text"


def scan(name: str, data: bytes, *, depth: int = 0) -> ScanResult:
    """Scan the bytes of an uploaded file named ``name``; raise :class:`FileRefused` if it holds a 個人番号 candidate
    or cannot be read (see the module docstring for what is read and what is accepted unread). Nothing else is
    raised: a damaged file fails in many ways inside zipfile, zlib, openpyxl, pypdf or Pillow, and each is a
    refusal."""
    if depth > MAX_DEPTH:
        raise _unreadable(name, "入れ子が深すぎる")
    try:
        return _scan(name, data, depth=depth)
    except FileRefused:
        raise
    except Exception as exc:  # see the docstring: what cannot be read is refused, never a 500
        raise _unreadable(name, "壊れているか、読み取れない形式である") from exc


def _scan(name: str, data: bytes, *, depth: int) -> ScanResult:
    claimed, sniffed = _claimed(name), _sniffed(data)
    kind = claimed if claimed not in (None, "text") else sniffed
    if claimed == "text" and sniffed != "text":
        # A .csv that begins "BM" or "GIF89a" is text; one that is really a zip, PDF or image is not.
        kind = "text" if sniffed == "image" else sniffed
    if kind == "ole":
        raise _unreadable(name, "古い Office 形式（.xls/.doc）またはパスワード付きの Office ファイルである")
    if kind == "heic":
        raise _unreadable(name, "HEIC/AVIF 形式の画像である（JPEG または PNG で保存し直してください）")
    if kind == "zip":
        if sniffed != "zip":
            raise _unreadable(name, "拡張子が示す形式（ZIP・Office）として読み取れない")
        return _scan_zip(name, data, depth=depth)
    if kind == "pdf":
        if sniffed != "pdf":
            raise _unreadable(name, "拡張子が示す形式（PDF）として読み取れない")
        return _scan_pdf(name, data, depth=depth)
    if kind == "image":
        if claimed == "image":
            return _scan_image(name, data)
        try:
            return _scan_image(name, data)
        except FileRefused as exc:
            if exc.code == "my_number":
                raise
            # First bytes like an image's, no image extension, does not decode: text if it reads as text.
    return _scan_text(name, data)


def _delimiter(name: str, text: str) -> str:
    """``","`` or ``"\t"`` when ``text`` is a delimited table (by its name, or most of its first lines holding the
    same number of the delimiter), else empty."""
    lower = name.lower()
    if lower.endswith(".tsv") or lower.endswith(".tab"):
        return "\t"
    if lower.endswith(".csv"):
        return ","
    lines = [line for line in text[:65536].splitlines()[:50] if line.strip()]
    for delimiter in (",", "\t"):
        counts = [line.count(delimiter) for line in lines]
        if counts and counts[0] > 0 and sum(1 for c in counts if c == counts[0]) >= 0.8 * len(counts):
            return delimiter
    return ""


def _scan_text(name: str, data: bytes) -> ScanResult:
    if not data.strip():
        return ScanResult("text")
    try:
        text, _encoding = decode_text(data, what=f"ファイル「{name}」")
    except UndecodableFile as exc:
        raise _unreadable(name, "テキストとしても既知の形式としても読み取れない") from exc
    check_text(text, name=name, delimiter=_delimiter(name, text))
    return ScanResult("text")


def check_text(text: str, *, name: str, delimiter: str = "") -> None:
    """Refuse already decoded text (an import that decoded the file itself), naming the line. With a
    ``delimiter``, the text is read once with the delimiter ending numbers, then field by field (a quoted field may
    hold the delimiter as a separator inside a number)."""
    line = _first_line(text, breaks=delimiter)
    if line is not None:
        raise _found(name, f"{line}行目")
    if not delimiter or '"' not in text:
        return  # unquoted, no field holds the delimiter (csv's only quote character is ``"``)
    try:
        for number, fields in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            for field in fields:
                if delimiter in field and find_my_numbers(field):
                    raise _found(name, f"{number}件目の行")
    except csv.Error:
        return  # not CSV after all: the whole text was read above


def my_number_refusal(name: str, data: bytes) -> str | None:
    """For importers, after their own reading found nothing: the refusal message when a candidate sits anywhere in
    the file (another sheet, an unused column, a comment), else ``None``. A file the scan cannot read gives ``None``:
    the importer's own reader has already decided what it accepts."""
    try:
        scan(name, data)
    except FileRefused as exc:
        return str(exc) if exc.code == "my_number" else None
    return None
