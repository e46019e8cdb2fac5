"""The My Number guard for uploaded evidence files: checked before anything is saved.

Text files are read line by line (UTF-8, then CP932); Office Open XML files (xlsx, docx, pptx) by the text of
their XML parts. Other binary formats (PDF streams, images) cannot be read without extra libraries and pass as they
are: this is a guard against the common case, not a guarantee.
"""

from __future__ import annotations

import io
import re
import zipfile

from django.core.exceptions import ValidationError

from piaops.lib.mynumber import contains_my_number

_TAG = re.compile(rb"<[^>]+>")


def _refuse(where: str) -> ValidationError:
    return ValidationError(
        f"{where}に個人番号と思われる12桁の数字が含まれています。個人番号を含むファイルは登録できません。"
        "該当箇所を削除してから提出してください。",
        code="my_number",
    )


def check_file(name: str, data: bytes) -> None:
    """Raise ``ValidationError`` naming the file and line (or part) of a 個人番号 candidate; never the number."""
    if data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = [i for i in archive.infolist() if i.filename.endswith(".xml") and i.file_size < 50_000_000]
            for info in members:
                # Tags become spaces so that numbers in adjacent cells do not merge into one run of digits.
                text = _TAG.sub(b" ", archive.read(info)).decode("utf-8", errors="ignore")
                if contains_my_number(text):
                    raise _refuse(f"ファイル「{name}」（{info.filename}）")
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
            pass
        return
    if b"\x00" in data[:8192]:
        return  # binary: see the module docstring
    for encoding in ("utf-8", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("utf-8", errors="ignore")
    for number, line in enumerate(text.splitlines(), start=1):
        if contains_my_number(line):
            raise _refuse(f"ファイル「{name}」の{number}行目")
