"""Decoding uploaded text files: UTF-8 (with or without BOM) or CP932/Shift_JIS, nothing else.

Japanese municipal systems export CSV in either; a file that is neither (binary, UTF-16, Latin-1 with bytes
invalid in CP932…) is refused rather than guessed, so nothing is imported garbled.
"""

from __future__ import annotations


class UndecodableFile(ValueError):
    """The bytes are not UTF-8 or CP932 text. ``str()`` is a Japanese message for the user."""


def decode_text(data: bytes, *, what: str = "ファイル") -> tuple[str, str]:
    """(text, encoding name) of ``data``; UTF-8 first (it rarely decodes by accident), then CP932."""
    if not data.strip():
        raise UndecodableFile(f"{what}が空です。")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UndecodableFile(
            f"{what}は UTF-16 で保存されています。UTF-8 または Shift_JIS（CP932）で保存し直してください。"
        )
    if b"\x00" in data[:4096]:
        raise UndecodableFile(
            f"{what}はテキストファイルではありません（UTF-8 または Shift_JIS の CSV を指定してください）。"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise UndecodableFile(f"{what}の文字コードを読み取れません（UTF-8 の途中で壊れています）。") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise UndecodableFile(
            f"{what}の文字コードを読み取れません。UTF-8 または Shift_JIS（CP932）で保存したファイルを指定してください。"
        ) from exc
