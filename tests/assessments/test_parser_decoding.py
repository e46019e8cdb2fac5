"""Uploaded bytes: UTF-8 (BOM or not) and CP932 are read; anything else is refused in Japanese."""

from __future__ import annotations

import pytest

from piaops.assessments.parsed import ReportParseError
from piaops.assessments.parser import decode_report, parse_report
from tests.assessments.parser_support import reference_text, structure

pytestmark = pytest.mark.engine_independent


def test_it_reads_utf8_with_and_without_bom() -> None:
    text = reference_text()
    assert decode_report(text.encode("utf-8")) == (text, "utf-8")
    assert decode_report(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")


def test_a_cp932_report_parses_like_the_utf8_one() -> None:
    text = reference_text()
    decoded, encoding = decode_report(text.encode("cp932"))
    assert encoding == "cp932"
    assert structure(parse_report(decoded)) == structure(parse_report(text))


def test_shift_jis_bytes_are_read_as_cp932() -> None:
    decoded, encoding = decode_report("Ⅳ その他のリスク対策\n自己点検".encode("shift_jis", errors="ignore"))
    assert encoding == "cp932"
    assert "自己点検" in decoded


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "空"),
        (b"   \n ", "空"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Office"),
        (bytes(range(256)) * 4, "バイナリ"),
        ("Ⅳ その他のリスク対策".encode("utf-16"), "UTF-16"),
        ("その他のリスク対策 自己点検 監査 教育・啓発 十分に行っている".encode("euc_jp"), "文字コード"),
    ],
)
def test_it_refuses_what_is_not_utf8_or_cp932_text(data: bytes, words: str) -> None:
    with pytest.raises(ReportParseError) as caught:
        decode_report(data)
    assert words in caught.value.message
    assert "UTF-8" in caught.value.message or "空" in caught.value.message
