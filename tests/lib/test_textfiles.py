"""Decoding uploaded CSV/text: UTF-8 (BOM or not) or CP932, anything else refused with a Japanese message."""

from __future__ import annotations

import pytest

from piaops.lib.textfiles import UndecodableFile, decode_text

pytestmark = pytest.mark.engine_independent

ROW = "所属コード,氏名\n1001,札幌 花子\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (ROW.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + ROW.encode("utf-8"), "utf-8-sig"),
        (ROW.encode("cp932"), "cp932"),
    ],
)
def test_utf8_and_shift_jis_files_are_read_as_the_same_text(data: bytes, encoding: str) -> None:
    assert decode_text(data) == (ROW, encoding)


@pytest.mark.parametrize(
    ("data", "reason", "message"),
    [
        (b"  \n", "empty", "名簿が空です。"),
        (ROW.encode("utf-16"), "utf16", "UTF-16 で保存されています"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary", "テキストファイルではありません"),
        # A NUL far into an otherwise good file: PostgreSQL cannot store it, so the file is refused up front.
        (ROW.encode("utf-8") * 500 + b"1002,\x00\n", "binary", "テキストファイルではありません"),
        (b"\xef\xbb\xbf" + "札幌".encode("cp932"), "broken_bom", "UTF-8 の途中で壊れています"),
        (b"\x81\x7f\xff", "unknown", "文字コードを読み取れません"),
    ],
)
def test_what_is_not_utf8_or_shift_jis_text_is_refused_with_the_reason(data: bytes, reason: str, message: str) -> None:
    with pytest.raises(UndecodableFile) as refused:
        decode_text(data, what="名簿")
    assert refused.value.reason == reason and message in str(refused.value)
