"""The hostile-file corpus, generated in code (nothing binary is checked in): files that hide a 個人番号 where a
person can read it, files disguised as another type, bombs, and odd encodings. Each builder returns bytes."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import openpyxl

from tests.samples import NUMBER, png, xlsx

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
WP = 'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
V = 'xmlns:v="urn:schemas-microsoft-com:vml"'


# ------------------------------------------------------------------------------------------------------------ PDF


def pdf_with(where: str, text: str = f"番号 {NUMBER}") -> bytes:
    """A one-page PDF whose page has no text layer, holding ``text`` only in ``where``: ``annotation`` (a sticky
    note), ``freetext`` (a text box annotation), ``form`` (a form field's value), ``metadata`` (the subject),
    ``xmp``, ``bookmark``, ``attachment`` (an embedded text file) or ``none``."""
    from pypdf import PdfWriter
    from pypdf.annotations import FreeText, Text
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if where == "annotation":
        writer.add_annotation(0, Text(rect=(10, 10, 60, 60), text=text))
    elif where == "freetext":
        writer.add_annotation(0, FreeText(rect=(10, 10, 150, 60), text=text))
    elif where == "form":
        field = DictionaryObject(
            {
                NameObject("/FT"): NameObject("/Tx"),
                NameObject("/T"): TextStringObject("備考"),
                NameObject("/V"): TextStringObject(text),
            }
        )
        writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
            {NameObject("/Fields"): ArrayObject([writer._add_object(field)])}
        )
    elif where == "metadata":
        writer.add_metadata({"/Subject": text})
    elif where == "xmp":
        stream = StreamObject()
        stream.set_data(
            f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:description>{text}</dc:description></x:xmpmeta>'.encode()
        )
        stream[NameObject("/Type")] = NameObject("/Metadata")
        writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)
    elif where == "bookmark":
        writer.add_outline_item(title=text, page_number=0)
    elif where == "attachment":
        writer.add_attachment("メモ.txt", text.encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ----------------------------------------------------------------------------------------------------------- DOCX


def docx_with(where: str, text: str = f"番号 {NUMBER}") -> bytes:
    """A DOCX whose body is harmless, holding ``text`` only in ``where``: ``textbox``, ``header``, ``footer``,
    ``comment``, ``footnote``, ``alt`` (a picture's alt text), ``embedded`` (a workbook embedded in the document),
    ``properties`` (docProps/core.xml) or ``none``."""
    textbox = (
        f"<w:p><w:r><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
        "</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
    )
    alt = (
        f'<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="図 1" descr="{text}"/></wp:inline></w:drawing>'
        "</w:r></w:p>"
    )
    body = "<w:p><w:r><w:t>点検結果は良好です</w:t></w:r></w:p>"
    body += textbox if where == "textbox" else alt if where == "alt" else ""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f"<w:document {W} {WP} {V}><w:body>{body}</w:body></w:document>")
        para = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
        if where == "header":
            z.writestr("word/header1.xml", f"<w:hdr {W}>{para}</w:hdr>")
        elif where == "footer":
            z.writestr("word/footer2.xml", f"<w:ftr {W}>{para}</w:ftr>")
        elif where == "comment":
            z.writestr(
                "word/comments.xml",
                f'<w:comments {W}><w:comment w:id="0" w:author="所属長">{para}</w:comment></w:comments>',
            )
        elif where == "footnote":
            z.writestr("word/footnotes.xml", f'<w:footnotes {W}><w:footnote w:id="1">{para}</w:footnote></w:footnotes>')
        elif where == "embedded":
            z.writestr("word/embeddings/Microsoft_Excel_Worksheet.xlsx", xlsx({("一覧", "B3"): text}))
        elif where == "properties":
            z.writestr(
                "docProps/core.xml",
                '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
                f' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{text}</dc:title></cp:coreProperties>',
            )
    return out.getvalue()


# ----------------------------------------------------------------------------------------------------------- XLSX


def xlsx_with(where: str, text: str = f"番号 {NUMBER}") -> bytes:
    """A workbook whose first sheet is harmless, holding the number only in ``where``: ``header``, ``footer``,
    ``comment``, ``sheet_name``, ``defined_name``, ``validation`` (an input prompt), ``hidden_sheet``,
    ``formula``, ``number`` (typed as a number), ``hyperlink`` (its tooltip) or ``none``."""
    from openpyxl.comments import Comment
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "一覧"
    sheet["A1"] = "点検結果"
    sheet["A2"] = 3
    if where == "header":
        sheet.oddHeader.center.text = text
    elif where == "footer":
        sheet.oddFooter.right.text = text
    elif where == "comment":
        sheet["A1"].comment = Comment(text, "所属長")
    elif where == "sheet_name":
        book.create_sheet(NUMBER)["A1"] = "メモ"
    elif where == "defined_name":
        book.defined_names["メモ"] = DefinedName("メモ", attr_text=f'"{NUMBER}"')
    elif where == "validation":
        validation = DataValidation(type="list", formula1='"はい,いいえ"', prompt=text, promptTitle="入力")
        sheet.add_data_validation(validation)
        validation.add("B2")
    elif where == "hidden_sheet":
        hidden = book.create_sheet("非表示")
        hidden["C9"] = text
        hidden.sheet_state = "veryHidden"
    elif where == "formula":
        sheet["B2"] = f"={NUMBER}+0"
    elif where == "number":
        sheet["B2"] = int(NUMBER)
    elif where == "hyperlink":
        sheet["B2"] = "リンク"
        sheet["B2"].hyperlink = "https://example.invalid/"
        assert sheet["B2"].hyperlink is not None
        sheet["B2"].hyperlink.tooltip = text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_rows(rows: int, *, dimension: str = "") -> bytes:
    """A workbook whose one sheet has ``rows`` rows of one small cell, written as raw XML (openpyxl would take
    minutes). With ``dimension``, the sheet declares that range instead of the real one."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, rows + 1))
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + dim.encode()
        + b"<sheetData>"
        + body
        + b"</sheetData></worksheet>"
    )
    template = io.BytesIO()
    openpyxl.Workbook().save(template)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(template.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z,
    ):
        for info in source.infolist():
            z.writestr(info.filename, sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info))
    return out.getvalue()


# -------------------------------------------------------------------------------------------------- images, bombs


def png_with_trailer(text: str = f"番号 {NUMBER}") -> bytes:
    """A valid PNG with text appended after its IEND chunk (viewers show the image; ``strings`` shows the text)."""
    return png() + text.encode()


def jpeg_with(where: str, text: str = f"番号 {NUMBER}") -> bytes:
    """A valid JPEG holding ``text`` in ``exif`` (ImageDescription), ``comment`` (a COM segment) or ``none``."""
    from PIL import Image

    image = Image.new("RGB", (16, 16), (10, 120, 10))
    out = io.BytesIO()
    if where == "exif":
        exif = Image.Exif()
        exif[0x010E] = text  # ImageDescription
        image.save(out, "JPEG", exif=exif.tobytes())
    elif where == "comment":
        image.save(out, "JPEG", comment=text.encode())
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int = 100_000) -> bytes:
    """A PNG declaring ``side`` × ``side`` pixels (10 gigapixels) in a few hundred bytes."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _chunk(b"IEND", b"")
    )


def zip_bomb(megabytes: int = 120) -> bytes:
    """A plain ZIP whose one member inflates to ``megabytes`` MB of zeros (about 1/1000 of that compressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z, z.open("zeros.txt", "w", force_zip64=True) as member:
        block = b"0" * (1024 * 1024)
        for _ in range(megabytes):
            member.write(block)
    return out.getvalue()


def nested_zip(depth: int, inner: bytes = b"harmless") -> bytes:
    data, name = inner, "a.txt"
    for level in range(depth):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr(name, data)
        data, name = out.getvalue(), f"level{level}.zip"
    return data
