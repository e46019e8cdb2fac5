"""Decoding uploaded text files: UTF-8 (with or without BOM) or CP932/Shift_JIS, nothing else.

Japanese municipal systems export CSV in either; a file that is neither (binary, UTF-16, Latin-1 with bytes
invalid in CP932…) is refused rather than guessed, so nothing is imported garbled.
"""

from __future__ import annotations


class UndecodableFile(ValueError):
    """The bytes are not UTF-8 or CP932 text. ``str()`` is a Japanese message for the user; ``reason`` says why, for
    a caller that words its own message: ``"empty"``, ``"utf16"``, ``"binary"`` (a NUL byte anywhere),
    ``"broken_bom"`` (a UTF-8 BOM, then bytes that are not UTF-8) or ``"unknown"`` (neither UTF-8 nor CP932)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def decode_text(data: bytes, *, what: str = "ファイル") -> tuple[str, str]:
    """(text, encoding name) of ``data``; UTF-8 first (it rarely decodes by accident), then CP932.

    The encoding name is ``"utf-8-sig"`` (BOM, removed from the text), ``"utf-8"`` or ``"cp932"``. Checked in this
    order, each failure an :class:`UndecodableFile`: empty (white space only), UTF-16 BOM, a NUL byte anywhere (no
    text file holds one, and PostgreSQL cannot store it), UTF-8 after a BOM, then UTF-8, then CP932. The text is
    not checked for plausibility: CP932 decodes most byte strings, so a caller that may receive EUC-JP or binary
    data checks the text itself.
    """
    if not data.strip():
        raise UndecodableFile(f"{what}が空です。", reason="empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UndecodableFile(
            f"{what}は UTF-16 で保存されています。UTF-8 または Shift_JIS（CP932）で保存し直してください。",
            reason="utf16",
        )
    if b"\x00" in data:
        raise UndecodableFile(
            f"{what}はテキストファイルではありません（UTF-8 または Shift_JIS の CSV を指定してください）。",
            reason="binary",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise UndecodableFile(
                f"{what}の文字コードを読み取れません（UTF-8 の途中で壊れています）。", reason="broken_bom"
            ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise UndecodableFile(
            f"{what}の文字コードを読み取れません。"
            "UTF-8 または Shift_JIS（CP932）で保存したファイルを指定してください。",
            reason="unknown",
        ) from exc
