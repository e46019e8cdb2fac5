"""Reading a personnel system's export into tables of cells: encodings, CSV/XLSX, header row, cell values.

Pure code (no database). Every problem becomes an :class:`Issue`; a file that cannot be read at all raises
:class:`ImportFileError`, the only exception this module lets out (a property-based test feeds it random bytes).
A cell that looks like a 個人番号 is reported by file, line and column and its value is never repeated.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import operator
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from piaops.lib.dates import DateReadError, read_date
from piaops.lib.filescan import my_number_refusal
from piaops.lib.mynumber import cell_contains_my_number, contains_my_number
from piaops.lib.textfiles import UndecodableFile, decode_text
from piaops.lib.xlsxfiles import UnreadableWorkbook, xlsx_sheets

TableKind = Literal["units", "people"]
Cell = str | dt.date


@dataclass(frozen=True)
class Issue:
    """One problem, located. ``line`` is the file's line (CSV) or row (XLSX); None for the file as a whole."""

    source: str
    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f" {self.line}行目"
        if self.column:
            where += f"「{self.column}」"
        return f"{where}: {self.message}"


class ImportFileError(Exception):
    """The import was refused; ``issues`` lists every reason (nothing was saved)."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("\n".join(str(i) for i in issues))
        self.issues = issues


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()


UNIT_COLUMNS = (
    Column("組織コード", required=True, aliases=("組織CD", "部署コード")),
    Column("組織名", required=True, aliases=("組織名称", "部署名")),
    Column("上位組織コード", aliases=("親組織コード", "上位部署コード")),
    Column("組織種別", aliases=("組織区分", "種別")),
    Column("番号制度総括部門"),
    Column("情報システム部門"),
    Column("有効"),
)
PEOPLE_COLUMNS = (
    Column("職員番号", required=True, aliases=("職員コード", "職員NO", "職員No")),
    Column("氏名", required=True, aliases=("職員氏名", "氏名(漢字)")),
    Column("氏名カナ", aliases=("カナ氏名", "氏名(カナ)", "フリガナ", "ふりがな")),
    Column("雇用形態", required=True, aliases=("任用形態", "職員区分", "雇用区分")),
    Column("所属組織コード", aliases=("所属コード", "配属先コード")),
    Column("職名", aliases=("役職", "職位")),
    Column("配属開始日", aliases=("配属日", "発令日")),
    Column("配属終了日"),
    Column("特定個人情報取扱", aliases=("特定個人情報取扱い", "特定個人情報の取扱い", "特定個人情報取扱者")),
    Column("メールアドレス", aliases=("メール", "E-mail", "Eメール", "email")),
    Column("任用開始日", aliases=("採用日", "任用日")),
    Column("任用終了日", aliases=("退職日", "任期満了日")),
    Column("所属事業者", aliases=("事業者名", "派遣元")),
)
# A column of 個人番号 must never enter, whatever its cells hold.
REFUSED_HEADERS = ("個人番号", "マイナンバー", "個人番号(マイナンバー)", "マイナンバー(個人番号)")
MY_NUMBER_MESSAGE = (
    "個人番号と思われる12桁の数字が含まれています。個人番号は取り込めません。該当箇所を削除してください。"
)
MAX_CELL = 1000


def normalise_header(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).replace("※", "").replace("*", "").lower()


def _lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    return {normalise_header(alias): c.name for c in columns for alias in (c.name, *c.aliases)}


_UNIT_LOOKUP = _lookup(UNIT_COLUMNS)
_PEOPLE_LOOKUP = _lookup(PEOPLE_COLUMNS)
_REFUSED = {normalise_header(h) for h in REFUSED_HEADERS}


@dataclass(slots=True)
class Row:
    line: int
    values: dict[str, Cell]  # canonical column name → cell ("" where the row ends before it or it was refused)
    refused: frozenset[str] = frozenset()  # columns whose cell held a 個人番号 or was too long (value dropped)


@dataclass
class Table:
    """The rows of a table, column by column (the people are validated a column at a time)."""

    source: str
    kind: TableKind
    columns: list[str]  # canonical names present, in file order
    lines: list[int]  # each row's line (CSV) or row (XLSX) in the file
    cells: dict[str, Sequence[Cell]]  # column → each row's cell ("" where the row ends before it or it was refused)
    refused: dict[int, frozenset[str]]  # row index → the columns whose cell held a 個人番号 or was too long

    @functools.cached_property
    def rows(self) -> list[Row]:
        """The rows one by one (the units table is validated a row at a time)."""
        empty: frozenset[str] = frozenset()
        return [
            Row(line, dict(zip(self.columns, values, strict=True)), self.refused.get(i, empty))
            for i, (line, *values) in enumerate(zip(self.lines, *(self.cells[c] for c in self.columns), strict=True))
        ]


@dataclass
class ReadResult:
    tables: list[Table]
    issues: list[Issue]
    formats: list[str]  # per file: "CSV（UTF-8）", "XLSX"...


# ---- encodings -------------------------------------------------------------------------------------------------

ENCODING_MESSAGE = (
    "ファイルの文字コードを判別できません。UTF-8（BOM付きも可）または Shift_JIS（CP932）で保存したCSVファイル、"
    "または Excel ファイル（.xlsx）を指定してください。"
)


_ENCODING_LABELS = {"utf-8-sig": "UTF-8（BOM付き）", "utf-8": "UTF-8", "cp932": "Shift_JIS（CP932）"}


def decode_csv(name: str, content: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding found (:func:`piaops.lib.textfiles.decode_text`); else refused."""
    if b"\x00" in content:  # UTF-16/32 text or a binary file, wherever the NUL is
        raise ImportFileError([Issue(name, None, "", ENCODING_MESSAGE)])
    if not content.strip():
        return "", "UTF-8"  # no header row: refused as such by the caller
    try:
        text, encoding = decode_text(content, what=f"「{name}」")
    except UndecodableFile:
        raise ImportFileError([Issue(name, None, "", ENCODING_MESSAGE)]) from None
    return text, _ENCODING_LABELS[encoding]


# ---- cells -----------------------------------------------------------------------------------------------------


def _cell(value: object) -> Cell:
    """An XLSX or CSV value as text, or a date (XLSX date cells)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _needs_a_look(cell: Cell) -> bool:
    """Whether a cell may be refused: too long, or holding what looks like a 個人番号."""
    return isinstance(cell, str) and (len(cell) > MAX_CELL or cell_contains_my_number(cell))


def _plain(cells: list[Cell], width: int) -> bool:
    """Whether a row has nothing to report: no cell past the header's, none too long, none holding a 個人番号.

    Most rows are cells of text all shorter than 12 characters, which hold no 個人番号 (see
    :func:`piaops.lib.mynumber.cell_contains_my_number`) and are not too long: one ``max`` answers for them."""
    if len(cells) > width:
        return False
    try:
        if max(map(len, cells), default=0) < 12:  # type: ignore[arg-type]  # a date has no len(): TypeError
            return True
    except TypeError:  # a date cell (XLSX): each cell is looked at
        pass
    return not any(_needs_a_look(c) for c in cells)


def _rows_from_csv(name: str, text: str) -> list[tuple[int, list[Cell]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[Cell]]] = []
    start = 1
    try:
        for record in reader:
            rows.append((start, list(map(str.strip, record))))  # CSV cells are text: what _cell makes of them
            start = reader.line_num + 1
    except csv.Error:
        raise ImportFileError(
            [Issue(name, start, "", 'CSVとして読めません（引用符「"」の対応や値の長さを確認してください）。')]
        ) from None
    return rows


def _sheets_from_xlsx(name: str, content: bytes) -> list[tuple[str, list[tuple[int, list[Cell]]]]]:
    try:
        sheets = xlsx_sheets(content)
    except UnreadableWorkbook as exc:
        message = exc.message or (
            "Excel ファイル（.xlsx）の内容を読み取れません。ファイルが壊れていないか確認してください。"
            if exc.opened
            else "Excel ファイル（.xlsx）として読めません。ファイルが壊れていないか確認してください。"
        )
        raise ImportFileError([Issue(name, None, "", message)]) from None
    return [
        (f"{name}［{title}］", [(i, [_cell(v) for v in values]) for i, values in enumerate(rows, start=1)])
        for title, rows in sheets
    ]


# ---- tables ----------------------------------------------------------------------------------------------------


def _header_kind(cells: list[Cell]) -> TableKind | None:
    names = {normalise_header(c) for c in cells if isinstance(c, str)}
    if normalise_header("職員番号") in names or any(_PEOPLE_LOOKUP.get(n) == "職員番号" for n in names):
        return "people"
    if any(_UNIT_LOOKUP.get(n) == "組織コード" for n in names):
        return "units"
    return None


def _table(source: str, raw: list[tuple[int, list[Cell]]], issues: list[Issue]) -> Table | None:
    """Find the header row (within the first 10 rows: exports often start with a title) and read the rows."""
    header_at = None
    kind: TableKind | None = None
    for index, (_, cells) in enumerate(raw[:10]):
        kind = _header_kind(cells)
        if kind is not None:
            header_at = index
            break
    if header_at is None or kind is None:
        return None
    header_line, header_cells = raw[header_at]
    lookup = _PEOPLE_LOOKUP if kind == "people" else _UNIT_LOOKUP
    positions: dict[int, str] = {}
    problems = len(issues)
    for pos, cell in enumerate(header_cells):
        text = cell if isinstance(cell, str) else cell.isoformat()
        if contains_my_number(text):
            issues.append(Issue(source, header_line, f"{pos + 1}列目の見出し", MY_NUMBER_MESSAGE))
            continue
        key = normalise_header(text)
        if key in _REFUSED:
            issues.append(
                Issue(
                    source, header_line, text, "個人番号の列は取り込めません。この列を削除してから取り込んでください。"
                )
            )
        elif key in lookup:
            name = lookup[key]
            if name in positions.values():
                issues.append(Issue(source, header_line, text, f"「{name}」にあたる列が2つ以上あります。"))
            positions[pos] = name
    columns = PEOPLE_COLUMNS if kind == "people" else UNIT_COLUMNS
    for column in columns:
        if column.required and column.name not in positions.values():
            issues.append(Issue(source, header_line, column.name, "必須の列がありません。"))
    mapped = list(positions.items())
    names = [col for _, col in mapped]
    if len(issues) > problems:
        return Table(source, kind, names, [], {name: () for name in names}, {})
    width = len(header_cells)
    lines: list[int] = []
    rows: list[tuple[Cell, ...]] = []  # each row's mapped cells, in the order of ``names``
    refused_cells: dict[int, frozenset[str]] = {}
    # The mapped cells of a row at least as wide as the last mapped column, in one call (a tuple of them).
    last = max(positions, default=-1)
    take = operator.itemgetter(*positions) if len(positions) > 1 else None
    for line, cells in raw[header_at + 1 :]:
        if not any(cells):  # every cell empty (a date cell is never false)
            continue
        if _plain(cells, width):
            # The common row: nothing to report, so each mapped column simply takes its cell.
            if take is not None and len(cells) > last:
                rows.append(take(cells))
            else:
                rows.append(tuple(cells[pos] if pos < len(cells) else "" for pos, _ in mapped))
            lines.append(line)
            continue
        values: dict[str, Cell] = {}
        refused: set[str] = set()
        for pos, cell in enumerate(cells):
            col = positions.get(pos)
            if isinstance(cell, str) and cell and contains_my_number(cell):
                issues.append(Issue(source, line, col or f"{pos + 1}列目", MY_NUMBER_MESSAGE))
                if col:
                    refused.add(col)
                continue
            if pos >= width and cell != "":
                issues.append(
                    Issue(
                        source,
                        line,
                        f"{pos + 1}列目",
                        "見出し行より列が多くなっています。値に区切りの「,」が含まれていないか確認してください。",
                    )
                )
                continue
            if col is not None and col not in refused:
                if isinstance(cell, str) and len(cell) > MAX_CELL:
                    issues.append(Issue(source, line, col, f"値が長すぎます（{MAX_CELL}文字まで）。"))
                    refused.add(col)
                    continue
                values[col] = cell
        if refused:
            refused_cells[len(rows)] = frozenset(refused)
        rows.append(tuple(values.get(col, "") for col in names))
        lines.append(line)
    by_column: dict[str, Sequence[Cell]] = {name: () for name in names}
    if rows:
        by_column = dict(zip(names, zip(*rows, strict=True), strict=True))
    return Table(source, kind, names, lines, by_column, refused_cells)


NO_HEADER_MESSAGE = (
    "見出し行（「職員番号」または「組織コード」を含む行）が見つかりません。"
    "見出し行があるか、文字コード（UTF-8 または Shift_JIS）が正しいかを確認してください。"
)


def read_file(name: str, content: bytes) -> tuple[list[Table], list[Issue], str]:
    """The tables of one uploaded file (a CSV holds one; an XLSX one per recognised sheet).

    Raises :class:`ImportFileError` when the file cannot be read at all; row problems come back as issues.
    """
    lowered = name.lower()
    if lowered.endswith(".xls") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            [
                Issue(
                    name,
                    None,
                    "",
                    "Excel 97-2003 形式（.xls）は読み込めません。.xlsx 形式または CSV で保存し直してください。",
                )
            ]
        )
    issues: list[Issue] = []
    tables: list[Table] = []
    if content.startswith(b"PK\x03\x04") or lowered.endswith(".xlsx"):
        if not zipfile.is_zipfile(io.BytesIO(content)):
            raise ImportFileError(
                [
                    Issue(
                        name,
                        None,
                        "",
                        "Excel ファイル（.xlsx）として読めません。ファイルが壊れていないか確認してください。",
                    )
                ]
            )
        for source, raw in _sheets_from_xlsx(name, content):
            table = _table(source, raw, issues)
            if table is not None:
                tables.append(table)
        file_format = "Excel（.xlsx）"
    else:
        text, encoding = decode_csv(name, content)
        table = _table(name, _rows_from_csv(name, text), issues)
        if table is not None:
            tables.append(table)
        file_format = f"CSV（{encoding}）"
    if not tables:
        raise ImportFileError([Issue(name, None, "", NO_HEADER_MESSAGE)])
    if not any("個人番号" in i.message for i in issues):
        refusal = my_number_refusal(name, content)  # other sheets, unused columns, comments
        if refusal:
            issues.append(Issue(name, None, "", refusal))
    return tables, issues, file_format


def read_files(files: list[tuple[str, bytes]]) -> ReadResult:
    """All tables of the given files; at most one table of units and one of people. Raises ImportFileError."""
    tables: list[Table] = []
    issues: list[Issue] = []
    formats: list[str] = []
    refused: list[Issue] = []
    for name, content in files:
        try:
            found, problems, file_format = read_file(name, content)
        except ImportFileError as exc:
            refused.extend(exc.issues)
            continue
        tables.extend(found)
        issues.extend(problems)
        formats.append(file_format)
    if refused:
        raise ImportFileError(refused)
    for kind, label in (("units", "組織"), ("people", "職員")):
        same = [t.source for t in tables if t.kind == kind]
        if len(same) > 1:
            issues.append(Issue("、".join(same), None, "", f"{label}のデータが複数あります。1つにまとめてください。"))
    return ReadResult(tables, issues, formats)


# ---- values ----------------------------------------------------------------------------------------------------


class ValueProblem(ValueError):
    """A cell's value is not acceptable; the message is the Japanese reason."""


def parse_date(value: Cell) -> dt.date | None:
    """A date by the one date reader (:func:`piaops.lib.dates.read_date`: 西暦, 和暦 with 元年, an Excel date cell
    or serial); None if empty; :class:`ValueProblem` with the Japanese reason otherwise."""
    try:
        return read_date(value)
    except DateReadError as exc:
        raise ValueProblem(str(exc)) from None


_TRUE = {"有", "あり", "有り", "○", "〇", "◯", "1", "はい", "該当", "対象", "true", "yes", "y", "✓", "レ"}
_FALSE = {"", "無", "なし", "無し", "×", "✕", "-", "ー", "0", "いいえ", "非該当", "対象外", "false", "no", "n"}


def parse_flag(value: Cell) -> bool:
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueProblem("「有」または「無」（○/×、1/0 も可）を入力してください。")


_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


def parse_code(value: Cell, *, max_length: int) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not _CODE.match(text):
        raise ValueProblem("英数字とハイフン・下線のみで入力してください。")
    if len(text) > max_length:
        raise ValueProblem(f"{max_length}文字以内で入力してください。")
    return text


_SPACES = re.compile(r"\s+")


def parse_text(value: Cell, *, max_length: int, kana: bool = False) -> str:
    text = str(value).strip()
    if kana:
        text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub(" ", text)
    if len(text) > max_length:
        raise ValueProblem(f"{max_length}文字以内で入力してください。")
    return text
