"""The hostile-file corpus against the one file scan (``piaops.lib.filescan``): a 個人番号 in every place a person
can read is refused and located without being echoed; a file that does not parse as what it claims is refused;
bombs are refused before they cost memory or minutes; ordinary files of each kind pass."""

from __future__ import annotations

import pytest

from piaops.lib import xlsxfiles
from piaops.lib.filescan import FileRefused, ScanResult, scan
from piaops.lib.xlsxfiles import UnreadableWorkbook, xlsx_sheets
from tests.hostile import corpus
from tests.samples import NUMBER, VECTORS, png

pytestmark = pytest.mark.engine_independent


def refused(name: str, data: bytes, code: str) -> str:
    with pytest.raises(FileRefused) as caught:
        scan(name, data)
    message = str(caught.value)
    assert caught.value.code == code, message
    assert f"ファイル「{name}" in message
    assert not any(v in message.replace(" ", "").replace("-", "") for v in VECTORS)
    return message


# ------------------------------------------------------------------------------------ every hiding place, refused


@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("annotation", "注釈"),
        ("freetext", "注釈"),
        ("form", "入力欄"),
        ("metadata", "プロパティ"),
        ("xmp", "XMP"),
        ("bookmark", "しおり"),
        ("attachment", "メモ.txt"),
    ],
)
def test_pdf_hiding_places(where: str, named: str) -> None:
    assert named in refused("報告書.pdf", corpus.pdf_with(where), "my_number")


def test_a_pdf_without_a_number_anywhere_passes_with_its_blank_page_noted() -> None:
    result = scan("報告書.pdf", corpus.pdf_with("none"))
    assert result.kind == "pdf" and "1ページ目" in result.note


@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("textbox", "本文"),
        ("header", "header1.xml"),
        ("footer", "footer2.xml"),
        ("comment", "comments.xml"),
        ("footnote", "footnotes.xml"),
        ("alt", "本文"),
        ("embedded", "Microsoft_Excel_Worksheet.xlsx"),
        ("properties", "core.xml"),
    ],
)
def test_docx_hiding_places(where: str, named: str) -> None:
    assert named in refused("報告.docx", corpus.docx_with(where), "my_number")


def test_a_docx_without_a_number_passes() -> None:
    assert scan("報告.docx", corpus.docx_with("none")).kind == "docx"


@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("header", "ヘッダー・フッター"),
        ("footer", "ヘッダー・フッター"),
        ("comment", "comments"),
        ("sheet_name", "workbook.xml"),
        ("defined_name", "workbook.xml"),
        ("validation", "シート「一覧」"),
        ("hidden_sheet", "シート「非表示」のセル C9"),
        ("formula", "シート「一覧」のセル B2"),
        ("number", "シート「一覧」のセル B2"),
        ("hyperlink", "シート「一覧」"),
    ],
)
def test_xlsx_hiding_places(where: str, named: str) -> None:
    assert named in refused("台帳.xlsx", corpus.xlsx_with(where), "my_number")


def test_an_xlsx_without_a_number_passes() -> None:
    assert scan("台帳.xlsx", corpus.xlsx_with("none")).kind == "xlsx"


@pytest.mark.parametrize("where", ["exif", "comment"])
def test_jpeg_metadata_is_read(where: str) -> None:
    assert "メタデータ" in refused("施錠.jpg", corpus.jpeg_with(where), "my_number")


def test_png_text_chunks_and_text_after_the_image_are_read() -> None:
    assert "メタデータ" in refused("施錠.png", png(text={"Comment": f"番号 {NUMBER}"}), "my_number")
    assert "画像" in refused("施錠.png", corpus.png_with_trailer(), "my_number")


def test_plain_images_pass_with_the_ocr_note() -> None:
    assert scan("施錠.jpg", corpus.jpeg_with("none")).kind == "image"
    assert scan("施錠.png", png()).note


# --------------------------------------------------------------------------------- disguised: parsed, not sniffed


@pytest.mark.parametrize("magic", [b"BM", b"GIF89a", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"])
@pytest.mark.parametrize("name", ["メモ.txt", "メモ.csv", "メモ", "memo.dat"])
def test_text_beginning_like_an_image_is_read_as_the_text_it_is(magic: bytes, name: str) -> None:
    data = magic + f"\n氏名,備考\n山田,{NUMBER}\n".encode()
    # BM and GIF89a begin text: the number is found. The PNG and JPEG signatures are not UTF-8 or CP932 text: the
    # file is refused as unreadable. Either way it is never stored unread.
    refused(name, data, "my_number" if magic in (b"BM", b"GIF89a") else "unreadable")


@pytest.mark.parametrize(
    ("name", "magic"), [("施錠.bmp", b"BM"), ("施錠.gif", b"GIF89a"), ("施錠.png", b"\x89PNG\r\n\x1a\n")]
)
def test_a_file_named_as_an_image_that_does_not_decode_is_refused(name: str, magic: bytes) -> None:
    assert "画像として読み取れない" in refused(name, magic + b"\x00" * 64 + b"just text", "unreadable")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("報告書.pdf", b"%PDF-1.7\nnot really a pdf"),
        ("報告書.pdf", "番号 ない".encode()),  # text named .pdf
        ("台帳.xlsx", "番号,ない".encode()),  # text named .xlsx
        ("報告.docx", b"PK\x03\x04 broken zip"),
        ("施錠.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40),
        ("古い.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
    ],
)
def test_a_file_that_does_not_parse_as_what_its_name_claims_is_refused(name: str, data: bytes) -> None:
    refused(name, data, "unreadable")


def test_a_text_file_starting_with_bm_without_a_number_is_accepted_as_text() -> None:
    assert scan("体格.csv", "BMI,身長\n22.1,170\n".encode()) == ScanResult("text")


# ------------------------------------------------------------------------------------------------------ encodings


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("メモ.txt", f"番号　{'１２３４ ５６７８ ９０１８'}".encode("cp932")),
        ("メモ.txt", "\ufeff番号 一二三四五六七八九〇一八".encode()),
        ("メモ.txt", "番号 1\u200b2345678\u200b9018".encode()),
        ("一覧.csv", '氏名,備考\n山田,"1234,5678,9018"\n'.encode()),
        ("一覧.tsv", "氏名\t備考\n山田\t(1234) 5678-9018\n".encode()),
    ],
)
def test_numbers_in_odd_encodings_and_disguises_are_found(name: str, data: bytes) -> None:
    refused(name, data, "my_number")


def test_utf16_is_refused_as_unreadable() -> None:
    refused("メモ.txt", f"番号 {NUMBER}".encode("utf-16"), "unreadable")


def test_a_csv_of_ordinary_numbers_side_by_side_passes() -> None:
    # 職員番号 and 組織コード of 6 digits side by side: the delimiter ends a number, so they never join into 12.
    rows = "".join(f"{100000 + i:06d},{200000 + 7 * i:06d},2026-04-01,2027-03-31\n" for i in range(2000))
    assert scan("職員.csv", ("職員番号,組織コード,開始,終了\n" + rows).encode()).kind == "text"


# ---------------------------------------------------------------------------------------------------------- bombs


def test_a_zip_bomb_is_refused_from_its_directory() -> None:
    assert "上限" in refused("証跡.zip", corpus.zip_bomb(), "unreadable")


def test_a_zip_inside_a_zip_inside_a_zip_is_refused() -> None:
    refused("証跡.zip", corpus.nested_zip(3), "unreadable")


def test_an_image_declaring_ten_gigapixels_is_refused() -> None:
    refused("施錠.png", corpus.png_bomb(), "unreadable")


@pytest.fixture
def openpyxl_must_not_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if openpyxl is asked to load the workbook: the preflight must refuse it first."""
    import openpyxl

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl.load_workbook was called on a workbook the preflight should refuse")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_a_workbook_of_a_million_rows_is_refused_before_any_cell_is_loaded(openpyxl_must_not_load: None) -> None:
    data = corpus.xlsx_rows(1_000_000)
    assert len(data) < 5 * 1024 * 1024  # small enough to pass the upload limit
    with pytest.raises(UnreadableWorkbook) as caught:
        xlsx_sheets(data)
    assert "行を超えるシート" in caught.value.message
    assert "大きすぎる" in refused("職員.xlsx", data, "unreadable")


def test_a_sheet_declaring_an_absurd_range_is_refused_from_its_dimension(openpyxl_must_not_load: None) -> None:
    with pytest.raises(UnreadableWorkbook) as caught:
        xlsx_sheets(corpus.xlsx_rows(3, dimension="A1:XFD1048576"))
    assert "XFD1048576" in caught.value.message


def test_a_sheet_lying_about_its_range_is_counted_anyway(
    openpyxl_must_not_load: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsxfiles, "MAX_ROWS", 1000)
    with pytest.raises(UnreadableWorkbook):
        xlsx_sheets(corpus.xlsx_rows(1001, dimension="A1:A2"))


def test_a_workbook_within_the_limits_is_read() -> None:
    [(_title, rows)] = xlsx_sheets(corpus.xlsx_rows(1000))
    assert len(rows) == 1000


def test_a_door_log_of_8_digit_cards_and_timestamps_is_not_refused() -> None:
    # 8-digit card ids next to a timestamp used to join into 12 digits once commas separated groups; the delimiter
    # ends a number, so no line of a real log is refused, while a number inside a quoted field still is.
    from piaops.lib.mynumber import find_my_numbers

    text = "".join(f"SR-1,{10_000_000 + 7 * i:08d},2026-04-01 09:{i % 60:02d}:00,入室\n" for i in range(5000))
    assert find_my_numbers(text, breaks=",;\t") == []
    assert find_my_numbers(f'SR-1,"{NUMBER[:4]},{NUMBER[4:8]},{NUMBER[8:]}",入室')
