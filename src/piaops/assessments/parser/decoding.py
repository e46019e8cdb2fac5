"""Bytes → text for uploaded reports: UTF-8 (with or without BOM) or CP932/Shift_JIS, nothing else.

CP932 is tried only after strict UTF-8 fails. Because almost any byte string "decodes" as CP932, the result is
checked for plausibility: EUC-JP and binary data decoded as CP932 come out as runs of half-width katakana and
control characters, which a real report does not contain.
"""

from __future__ import annotations

from piaops.assessments.parsed import ReportParseError
from piaops.lib.textfiles import UndecodableFile, decode_text

_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f"}
_HINT = "UTF-8 または Shift_JIS (CP932) のテキストで保存し直してください。"


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return (code < 0x20 and ch not in _ALLOWED_CONTROLS) or 0x7F <= code < 0xA0


def _looks_like_text(text: str, *, legacy: bool) -> bool:
    if not text.strip():
        return True
    controls = sum(1 for ch in text if _is_control(ch))
    if controls > max(2, len(text) // 200):
        return False
    if legacy:
        non_ascii = [ch for ch in text if ord(ch) > 0x7F]
        halfwidth_kana = sum(1 for ch in non_ascii if 0xFF61 <= ord(ch) <= 0xFF9F)
        # Half-width katakana are rare in reports; EUC-JP read as CP932 is full of them.
        if non_ascii and halfwidth_kana * 5 > len(non_ascii):
            return False
    return True


_REFUSED = {
    "empty": "ファイルが空です。評価書のテキストを含むファイルを選んでください。",
    "utf16": "UTF-16 のファイルは読み込めません。" + _HINT,
    "binary": "バイナリファイル（PDF・Word・画像など）は読み込めません。" + _HINT,
    "broken_bom": "UTF-8 (BOM付き) として読めない部分があります。" + _HINT,
    "unknown": "文字コードを判別できません。" + _HINT,
}


def decode_report(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` with encoding ``"utf-8-sig"``, ``"utf-8"`` or ``"cp932"``
    (:func:`piaops.lib.textfiles.decode_text`, then the plausibility check above).

    Raises ``ReportParseError`` (Japanese message) for empty, binary, UTF-16 or undecodable input.
    """
    # A PDF or Office file may hold no NUL in its first bytes; it is named as such rather than decoded.
    if data.startswith(b"%PDF") or data.startswith(b"PK\x03\x04"):
        raise ReportParseError("PDF・Office 形式のファイルは直接読み込めません。テキストに書き出してから" + _HINT)
    try:
        text, encoding = decode_text(data)
    except UndecodableFile as exc:
        raise ReportParseError(_REFUSED[exc.reason]) from exc
    if encoding == "cp932":
        if not _looks_like_text(text, legacy=True):
            raise ReportParseError("文字コードを判別できません（EUC-JP などの可能性があります）。" + _HINT)
    elif not _looks_like_text(text, legacy=False):
        raise ReportParseError("テキストファイルではないようです。" + _HINT)
    return text, encoding
