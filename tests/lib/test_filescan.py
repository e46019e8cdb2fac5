"""The one file scan of piaops: every readable format refuses a 個人番号 and says where, never what."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piaops.lib.filescan import IMAGE_NOTE, FileRefused, ScanResult, scan
from tests.samples import NOT_A_MY_NUMBER, NUMBER, VECTORS, docx, pdf, png, xlsx

pytestmark = pytest.mark.engine_independent


def refused(name: str, data: bytes) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        scan(name, data)
    message = str(caught.value)
    assert f"ファイル「{name}" in message
    for vector in VECTORS:
        assert vector not in message.replace(" ", "").replace("-", "")
    return caught.value


@pytest.mark.parametrize("number", VECTORS)
def test_a_utf8_text_file_is_refused_with_its_line(number: str) -> None:
    error = refused("メモ.txt", f"一行目\n二行目\n番号 {number[:4]} {number[4:8]} {number[8:]}\n".encode())
    assert "3行目" in str(error) and error.code == "my_number"


def test_a_cp932_csv_is_refused_and_a_number_split_over_lines_is_found() -> None:
    data = f"氏名,備考\n札幌 太郎,{NUMBER[:4]}\n{NUMBER[4:]}\n".encode("cp932")
    assert "2行目" in str(refused("職員.csv", data))


def test_plain_text_without_a_candidate_passes() -> None:
    assert scan("注文.csv", f"注文番号,{NOT_A_MY_NUMBER}\n".encode()).kind == "text"


@pytest.mark.parametrize("number", VECTORS)
def test_every_cell_of_every_sheet_of_an_xlsx_is_read(number: str) -> None:
    data = xlsx({("一覧", "A1"): "氏名", ("別表", "C7"): f"個人番号 {number}"})
    assert "シート「別表」のセル C7" in str(refused("台帳.xlsx", data))


def test_a_number_typed_as_a_number_in_a_cell_is_found() -> None:
    data = xlsx({("一覧", "B2"): int(NUMBER)})
    assert "シート「一覧」のセル B2" in str(refused("台帳.xlsx", data))


def test_an_xlsx_comment_is_read_too() -> None:
    data = xlsx({("一覧", "A1"): "見出し"}, comment=f"メモ {NUMBER}")
    assert "コメント" in str(refused("台帳.xlsx", data))


def test_an_xlsx_without_a_candidate_passes() -> None:
    assert scan("台帳.xlsx", xlsx({("一覧", "A1"): NOT_A_MY_NUMBER, ("一覧", "A2"): 3})).kind == "xlsx"


def test_a_docx_paragraph_split_into_runs_is_refused_with_its_paragraph() -> None:
    data = docx([["はじめに"], ["本人の番号は", NUMBER[:5], NUMBER[5:], "です"]])
    assert "本文の2段落目" in str(refused("報告.docx", data))


def test_a_docx_footer_is_read_too() -> None:
    assert "footer1.xml" in str(refused("報告.docx", docx([["本文"]], footer=NUMBER)))


def test_a_docx_without_a_candidate_passes() -> None:
    assert scan("報告.docx", docx([["注文番号", NOT_A_MY_NUMBER]])).kind == "docx"


@pytest.mark.parametrize("number", VECTORS[:2])
def test_the_text_of_a_pdf_is_read_page_by_page(number: str) -> None:
    data = pdf(["一枚目：問題なし", f"二枚目：番号 {number}"])
    assert "2ページ目" in str(refused("報告書.pdf", data))


def test_a_pdf_without_a_candidate_passes_and_blank_pages_are_noted() -> None:
    assert scan("報告書.pdf", pdf(["点検結果は良好です", NOT_A_MY_NUMBER])) == ScanResult("pdf")
    scanned_image_page = scan("報告書.pdf", pdf(["点検結果は良好です", "<img>"]))
    assert scanned_image_page.kind == "pdf" and "2ページ目" in scanned_image_page.note


def test_a_damaged_pdf_is_refused_as_unreadable() -> None:
    error = refused("壊れた.pdf", b"%PDF-1.7\n this is not a pdf at all")
    assert error.code == "unreadable"


def test_images_are_accepted_with_a_note_because_they_cannot_be_read_without_ocr() -> None:
    result = scan("施錠.png", png())
    assert result.kind == "image" and result.note == IMAGE_NOTE


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("古い.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
        ("謎.bin", bytes(range(256)) * 4),
        ("utf16.txt", "番号".encode("utf-16")),
    ],
)
def test_unknown_binary_types_are_refused(name: str, data: bytes) -> None:
    assert refused(name, data).code == "unreadable"


def test_each_member_of_a_plain_zip_is_scanned() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("a.txt", "問題なし")
        z.writestr("b/台帳.xlsx", xlsx({("一覧", "D4"): NUMBER}))
    message = str(refused("証跡.zip", out.getvalue()))
    assert "b/台帳.xlsx" in message and "セル D4" in message


@given(st.binary(max_size=400), st.sampled_from([b"PK\x03\x04", b"%PDF-1.7\n", b"", b"\xef\xbb\xbf"]))
@settings(max_examples=150, deadline=None)
def test_any_bytes_are_either_accepted_or_refused_never_an_other_error(data: bytes, prefix: bytes) -> None:
    try:
        scan("x.bin", prefix + data)
    except FileRefused as exc:
        assert exc.code in ("my_number", "unreadable")


@given(st.integers(min_value=0, max_value=2000))
@settings(max_examples=60, deadline=None)
def test_a_truncated_workbook_is_refused_or_read_never_an_other_error(cut: int) -> None:
    data = xlsx({("一覧", "A1"): "見出し", ("一覧", "A2"): NOT_A_MY_NUMBER})
    try:
        scan("x.xlsx", data[: len(data) - cut])
    except FileRefused as exc:
        assert exc.code in ("my_number", "unreadable")
