"""Reading a snapshot of the published ISMAP / ISMAP-LIU service list (CSV or XLSX, UTF-8 or CP932).

The published columns change from time to time, so the columns are found by header names that an admin can
adjust (``DEFAULT_MAPPING`` is the starting point, stored per municipality). ``parse_list`` checks the whole file
first and raises :class:`IsmapListError` with every problem (line numbers, column names, never a cell that looks
like a 個人番号); it raises nothing else, whatever the bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from piaops.lib.dates import read_date
from piaops.lib.filescan import my_number_refusal
from piaops.lib.mynumber import contains_my_number
from piaops.lib.textfiles import UndecodableFile, decode_text
from piaops.lib.xlsxfiles import UnreadableWorkbook, cell_text, xlsx_sheets

MAX_ERRORS = 50

# field → header names tried in order (compared after NFKC normalisation, spaces removed).
DEFAULT_MAPPING: dict[str, list[str]] = {
    "registration_number": ["登録番号", "ISMAP登録番号", "登録No"],
    "service_name": ["サービス名称", "クラウドサービス名称", "クラウドサービスの名称", "サービス名"],
    "provider": ["クラウドサービス事業者名", "クラウドサービス事業者", "事業者名", "申請者名", "申請者"],
    "registered_on": ["登録日", "登録年月日", "初回登録日"],
    "expires_on": ["有効期限", "登録の有効期限"],
    "audit_period_end": ["監査対象期間末日", "監査の対象期間（終了）", "監査対象期間(終了)", "監査対象期間終了日"],
    "program": ["区分", "制度", "種別"],
}
REQUIRED_FIELDS = ("registration_number", "service_name", "provider")
FIELD_LABELS = {
    "registration_number": "登録番号",
    "service_name": "サービス名称",
    "provider": "クラウドサービス事業者名",
    "registered_on": "登録日",
    "expires_on": "有効期限",
    "audit_period_end": "監査の対象期間の末日",
    "program": "区分（ISMAP / ISMAP-LIU）",
}
DATE_FIELDS = ("registered_on", "expires_on", "audit_period_end")
# The header row is searched for in the first lines only (published files put a title and notes above it).
HEADER_SEARCH_LINES = 20


class IsmapListError(Exception):
    """The file cannot be imported. ``errors`` are Japanese sentences, each naming its line where there is one."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ListEntry:
    line: int
    registration_number: str
    service_name: str
    provider: str
    program: str  # "ismap" or "ismap_liu"
    registered_on: dt.date | None = None
    expires_on: dt.date | None = None
    audit_period_end: dt.date | None = None


@dataclass
class ParsedList:
    entries: list[ListEntry]
    encoding: str  # "utf-8", "cp932" or "xlsx"
    headers: dict[str, str] = field(default_factory=dict)  # field → header text found


_SPACES = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def normalise_mapping(mapping: dict[str, Any] | None) -> dict[str, list[str]]:
    """A stored mapping completed with the defaults for fields it does not name; junk values are ignored."""
    result = {k: list(v) for k, v in DEFAULT_MAPPING.items()}
    for key, value in (mapping or {}).items():
        if key not in result:
            continue
        if isinstance(value, str):
            value = [v for v in re.split(r"[,、\n]", value)]
        if isinstance(value, list):
            names = [str(v).strip() for v in value if str(v).strip()]
            if names:
                result[key] = names
    return result


def _rows_from_csv(data: bytes) -> tuple[list[list[str]], str]:
    try:
        text, encoding = decode_text(data, what="ISMAPリストのファイル")
    except UndecodableFile as exc:
        raise IsmapListError([str(exc)]) from exc
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))], (
            "utf-8" if encoding == "utf-8-sig" else encoding
        )
    except csv.Error as exc:
        raise IsmapListError([f"CSV として読めません（{exc}）。ファイルの形式を確認してください。"]) from exc


def _rows_from_xlsx(data: bytes) -> list[list[str]]:
    try:
        [(_, rows)] = xlsx_sheets(data, first_only=True)
    except UnreadableWorkbook as exc:
        if exc.message:
            raise IsmapListError([exc.message]) from exc
        if exc.opened:
            raise IsmapListError(["XLSX ファイルの1枚目のシートを読めません。"]) from exc
        raise IsmapListError(["XLSX ファイルとして読めません。ファイルが壊れていないか確認してください。"]) from exc
    return [[cell_text(v) for v in row] for row in rows]


def parse_date(text: str) -> dt.date | None:
    """A date cell of the list, by the one date reader (:func:`piaops.lib.dates.read_date`); None for an empty
    cell. Raises ValueError (a :class:`~piaops.lib.dates.DateReadError`) for anything else."""
    return read_date(text)


def _program(number: str, value: str) -> str:
    v = _norm(value).upper()
    if "LIU" in v:
        return "ismap_liu"
    if v:
        return "ismap"
    # Without a 区分 column: ISMAP-LIU numbers are taken to start with "L" (ISMAP ones with "C").
    return "ismap_liu" if _norm(number).upper().startswith("L") else "ismap"


def _find_header(rows: list[list[str]], mapping: dict[str, list[str]]) -> tuple[int, dict[str, int]]:
    wanted = {f: [_norm(n) for n in names] for f, names in mapping.items()}
    for index, row in enumerate(rows[:HEADER_SEARCH_LINES]):
        cells = [_norm(c) for c in row]
        found: dict[str, int] = {}
        for f, names in wanted.items():
            for name in names:
                if name and name in cells:
                    found[f] = cells.index(name)
                    break
        if all(f in found for f in REQUIRED_FIELDS):
            return index, found
    missing = "、".join(f"「{FIELD_LABELS[f]}」（{'／'.join(mapping[f])}）" for f in REQUIRED_FIELDS)
    raise IsmapListError(
        [
            f"見出し行が見つかりません。先頭{HEADER_SEARCH_LINES}行に {missing} の列が必要です。"
            "公表資料の列名が変わった場合は「列の対応」を修正してください。"
        ]
    )


def parse_list(data: bytes, *, filename: str = "", mapping: dict[str, Any] | None = None) -> ParsedList:
    """Every service row of the list file, or :class:`IsmapListError` listing every problem found."""
    try:
        return _parse(data, filename=filename, mapping=mapping)
    except IsmapListError:
        raise
    except Exception as exc:  # a reader failing in a way not foreseen still gets a plain message
        raise IsmapListError([f"ファイルを読めません（{type(exc).__name__}）。形式を確認してください。"]) from exc


def _parse(data: bytes, *, filename: str, mapping: dict[str, Any] | None) -> ParsedList:
    columns = normalise_mapping(mapping)
    if not data:
        raise IsmapListError(["ファイルが空です。"])
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise IsmapListError(["XLSX ファイルとして読めません。ファイルが壊れていないか確認してください。"])
        rows, encoding = _rows_from_xlsx(data), "xlsx"
    else:
        rows, encoding = _rows_from_csv(data)
    header_index, found = _find_header(rows, columns)
    errors: list[str] = []
    entries: list[ListEntry] = []
    seen: dict[str, int] = {}
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        line = index + 1
        if not any(c.strip() for c in row):
            continue
        joined = "\t".join(row)  # a tab separates digit runs, so one check per row finds any cell's candidate
        suspicious = "\x00" in joined or contains_my_number(joined, breaks="\t")
        for column, cell in enumerate(row if suspicious else []):
            if "\x00" in cell:
                errors.append(f"{line}行目（{column + 1}列目）: 制御文字（NUL）が含まれています。")
            elif contains_my_number(cell):
                errors.append(
                    f"{line}行目（{column + 1}列目）: 個人番号と思われる12桁の数字が含まれています。"
                    "個人番号は取り込めません。"
                )
        values = {f: (row[i].strip() if i < len(row) else "") for f, i in found.items()}
        for f in REQUIRED_FIELDS:
            if not values.get(f):
                errors.append(f"{line}行目: 「{FIELD_LABELS[f]}」が空です。")
        dates: dict[str, dt.date | None] = {}
        for f in DATE_FIELDS:
            if f not in values:
                continue
            try:
                dates[f] = parse_date(values[f])
            except (ValueError, OverflowError):
                errors.append(f"{line}行目: 「{FIELD_LABELS[f]}」を日付として読めません。")
        number = _norm(values.get("registration_number", ""))
        if len(number) > 50 or len(values.get("service_name", "")) > 300 or len(values.get("provider", "")) > 200:
            errors.append(f"{line}行目: 値が長すぎます（登録番号50字、サービス名称300字、事業者名200字まで）。")
        if number in seen:
            errors.append(f"{line}行目: 登録番号が{seen[number]}行目と重複しています。")
        elif number:
            seen[number] = line
        if len(errors) >= MAX_ERRORS:
            errors.append(f"誤りが多いため{MAX_ERRORS}件で確認を打ち切りました。")
            break
        if errors:
            continue
        entries.append(
            ListEntry(
                line=line,
                registration_number=number,
                service_name=values["service_name"],
                provider=values["provider"],
                program=_program(number, values.get("program", "")),
                registered_on=dates.get("registered_on"),
                expires_on=dates.get("expires_on"),
                audit_period_end=dates.get("audit_period_end"),
            )
        )
    refusal = None if errors else my_number_refusal(filename or "ISMAPリスト", data)  # rows before the header…
    if refusal:
        errors.append(refusal)
    if errors:
        raise IsmapListError(errors)
    if not entries:
        raise IsmapListError(["見出し行の後にサービスの行がありません。"])
    return ParsedList(entries=entries, encoding=encoding, headers={f: rows[header_index][i] for f, i in found.items()})
