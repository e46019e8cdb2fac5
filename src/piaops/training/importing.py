"""Bulk import of attendance records exported by an e-learning system (CSV in UTF-8 or CP932, or XLSX).

Everything is validated first and every bad row is named with its line number; only a file without errors is
written, in one transaction (all or nothing). Unknown people or courses, dates outside a person's employment,
future dates, duplicates and anything that looks like a 個人番号 are errors, never silent skips.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from piaops.audittrail import services as audit
from piaops.audittrail.models import Action
from piaops.lib.bulkinsert import collector_paused, insert_columns
from piaops.lib.dates import DateReadError, read_date
from piaops.lib.dbstats import analyze_after_commit
from piaops.lib.filescan import my_number_refusal
from piaops.lib.mynumber import cell_contains_my_number
from piaops.lib.textfiles import UndecodableFile, decode_text
from piaops.lib.xlsxfiles import UnreadableWorkbook, cell_text, xlsx_sheets
from piaops.tenancy.imported_files import AlreadyImported, Kind, claim, refuse_if_imported
from piaops.tenancy.models import Municipality, Person, User
from piaops.training.models import Course, Record, Result, Session
from piaops.training.services import result_for

MAX_ERRORS_SHOWN = 200
LOOKUP_CHUNK = 5000  # values per ``IN (…)`` on SQLite when reading the file's people and records (it allows 32,766)

COLUMNS: dict[str, tuple[str, ...]] = {
    "staff_number": ("職員番号", "社員番号", "受講者id", "ユーザーid", "staff_number"),
    "course": ("研修コード", "コースコード", "講座コード", "course_code", "course"),
    "date": ("受講日", "修了日", "完了日", "completed_on", "date"),
    "result": ("結果", "合否", "受講状況", "result"),
    "score": ("得点", "点数", "スコア", "score"),
    "evidence": ("証跡", "備考", "evidence"),
}
REQUIRED = ("staff_number", "course", "date")
LABELS = {"staff_number": "職員番号", "course": "研修コード", "date": "受講日", "result": "結果", "score": "得点"}

RESULT_WORDS = {
    "修了": Result.COMPLETED,
    "完了": Result.COMPLETED,
    "受講済": Result.COMPLETED,
    "completed": Result.COMPLETED,
    "合格": Result.PASSED,
    "passed": Result.PASSED,
    "不合格": Result.FAILED,
    "failed": Result.FAILED,
    "欠席": Result.ABSENT,
    "未受講": Result.ABSENT,
    "absent": Result.ABSENT,
}


INSERT_COLUMNS = (
    "municipality_id",
    "person_id",
    "course_id",
    "session_id",
    "completed_on",
    "result",
    "score",
    "evidence",
    "source",
    "recorded_by_id",
    "recorded_at",
)


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, header)."""


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    errors: list[str] = field(default_factory=list)
    error_count: int = 0  # all errors, also those beyond the ones listed
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _decode(data: bytes) -> str:
    try:
        return decode_text(data, what="ファイル")[0]
    except UndecodableFile as exc:
        raise ImportFileError(str(exc)) from exc


def read_table(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells as text) of each row, the header included (line 1)."""
    if filename.lower().endswith(".xlsx"):
        try:
            [(_, rows)] = xlsx_sheets(data, first_only=True)
        except UnreadableWorkbook as exc:
            raise ImportFileError(
                exc.message or "XLSXファイルを読み取れません。Excel形式（.xlsx）で保存し直してください。"
            ) from exc
        for number, values in enumerate(rows, start=1):
            yield number, [cell_text(v).strip() for v in values]
        return
    text = _decode(data)
    strip = str.strip
    for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        yield number, list(map(strip, cells))


def _header_map(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = name.strip().lower()
        for column, aliases in COLUMNS.items():
            if key in aliases and column not in found:
                found[column] = index
    missing = [LABELS[c] for c in REQUIRED if c not in found]
    if missing:
        raise ImportFileError(f"1行目（見出し）に必要な列がありません：{'、'.join(missing)}")
    return found


def parse_date(text: str) -> dt.date:
    """The 受講日 of a row, by the one date reader (西暦, 和暦, Excel serial); an empty cell is an error here."""
    day = read_date(text)
    if day is None:
        raise DateReadError("受講日が空です。")
    return day


_INVALID = -1  # a 得点 text that is not a score (scores are 0–1000)
_UNREAD: Any = object()  # a text not read yet


@dataclass
class _RowCheck:
    """Every problem of a row, each named in Japanese: the rule of a row, which the import's fast path (one
    look-up per distinct value) only short-cuts for rows it accepts as they are."""

    people: dict[str, tuple[int, Any, Any]]
    courses: dict[str, Course]
    header_names: dict[int, str]
    today: dt.date
    dates: dict[str, dt.date | DateReadError] = field(default_factory=dict)  # each distinct 受講日 text read once

    def read(self, raw_date: str) -> dt.date | DateReadError:
        read = self.dates.get(raw_date)
        if read is None:
            try:
                read = self.dates[raw_date] = parse_date(raw_date)
            except DateReadError as exc:
                read = self.dates[raw_date] = exc
        return read

    def day(self, raw_date: str) -> dt.date | None:
        """The date of a 受講日 text that has no problem of its own (read, not in the future), else None."""
        read = self.read(raw_date)
        return None if isinstance(read, DateReadError) or read > self.today else read

    @staticmethod
    def score(raw_score: str) -> int | None:
        """The score of a 得点 text, None for an empty one, ``_INVALID`` when it is not a score."""
        if not raw_score:
            return None
        try:
            score = int(float(raw_score))
        except (ValueError, OverflowError):
            return _INVALID
        return score if 0 <= score <= 1000 else _INVALID

    def problems(self, cells: list[str], columns: dict[str, int]) -> list[str]:
        def cell(column: str) -> str:
            index = columns.get(column)
            return cells[index] if index is not None and index < len(cells) else ""

        problems: list[str] = []
        for index, value in enumerate(cells):
            if value and cell_contains_my_number(value):
                name = self.header_names.get(index, f"{index + 1}列目")
                problems.append(f"「{name}」に個人番号と思われる12桁の数字が含まれています")
        if problems:
            return problems
        number, code = cell("staff_number"), cell("course")
        person = self.people.get(number)
        course = self.courses.get(code)
        if person is None:
            problems.append(f"職員番号「{number}」の職員等が登録されていません" if number else "職員番号が空です")
        if course is None:
            problems.append(f"研修コード「{code}」の研修が登録されていません" if code else "研修コードが空です")
        raw_date = cell("date")
        read = self.read(raw_date)
        if isinstance(read, DateReadError):
            problems.append(f"受講日「{raw_date}」：{str(read).rstrip('。')}")
        else:
            day = read
            if day > self.today:
                problems.append(f"受講日 {day.isoformat()} が未来の日付です")
            if person is not None:
                _, start, end = person
                if (start and day < start) or (end and day > end):
                    span = f"{start.isoformat() if start else ''}〜{end.isoformat() if end else ''}"
                    problems.append(f"受講日 {day.isoformat()} が任用期間（{span}）の外です")
        raw_result = cell("result")
        if raw_result and RESULT_WORDS.get(raw_result.lower()) is None:
            problems.append(f"結果「{raw_result}」は 修了・合格・不合格・欠席 のいずれかにしてください")
        raw_score = cell("score")
        if self.score(raw_score) == _INVALID:
            problems.append(f"得点「{raw_score}」を数として読めません")
        if course is not None and not course.is_active:
            problems.append(f"研修「{code}」は無効です")
        return problems


@collector_paused()
def import_records(
    *,
    municipality: Municipality,
    data: bytes,
    filename: str,
    today: dt.date,
    dry_run: bool = False,
    recorded_by: User | None = None,
    progress: Callable[[int], object] | None = None,
) -> ImportResult:
    """Validate every row, then (unless ``dry_run`` or any error) insert all records in one transaction.

    ``progress(n)`` is called as rows are checked and written (n rows at a time), for a progress bar.
    """
    result = ImportResult(dry_run=dry_run)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        refuse_if_imported(municipality_id=municipality.pk, kind=Kind.TRAINING, sha256=sha256)
    except AlreadyImported as exc:
        raise ImportFileError(str(exc)) from exc
    rows = read_table(data, filename)
    try:
        _, header = next(rows)
    except StopIteration as exc:
        raise ImportFileError("ファイルが空です。") from exc
    columns = _header_map(header)
    header_names = {index: name for index, name in enumerate(header)}
    # Every row padded to the columns read, so a cell is an index (a short row's missing cells are empty).
    width = max(columns.values()) + 1
    body: list[tuple[int, list[str]]] = []
    for line, cells in rows:
        if any(cells):
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            body.append((line, cells))
    at_number, at_code, at_date = columns["staff_number"], columns["course"], columns["date"]
    at_result, at_score, at_evidence = columns.get("result"), columns.get("score"), columns.get("evidence")
    people = _people(municipality, {cells[at_number] for _, cells in body})
    courses = {c.code: c for c in Course.objects.for_municipality(municipality)}
    active = {code: (c, c.pk) for code, c in courses.items() if c.is_active}
    sessions = {
        (course_id, day): pk
        for pk, course_id, day in Session.objects.for_municipality(municipality).values_list("pk", "course_id", "date")
    }
    pending: list[tuple[Any, ...]] = []
    recorder_id = recorded_by.pk if recorded_by is not None else None
    now = timezone.now()
    municipality_id, source = municipality.pk, Record.Source.IMPORT.value
    keys: dict[tuple[int, int, dt.date], int] = {}
    errors = result.errors
    check = _RowCheck(people=people, courses=courses, header_names=header_names, today=today)
    # The common row, checked with one look-up per distinct value (an export repeats a few hundred dates, its
    # scores and results): a row not accepted as it is goes through ``check``, which names every problem.
    days: dict[str, dt.date | None] = {}  # a 受講日 text → its date when it has no problem of its own
    scores: dict[str, int | None] = {}  # a 得点 text → its score (None: empty), or _INVALID
    outcomes: dict[tuple[int, str | None, int | None], str] = {}
    checked = 0
    for line, cells in body:
        checked += 1
        if progress is not None and checked % 1000 == 0:
            progress(1000)
        person = people.get(cells[at_number])
        known = active.get(cells[at_code])
        raw_date = cells[at_date]
        day = days.get(raw_date, _UNREAD)
        if day is _UNREAD:
            day = days[raw_date] = check.day(raw_date)
        raw_score = cells[at_score] if at_score is not None else ""
        score = scores.get(raw_score, _UNREAD)
        if score is _UNREAD:
            score = scores[raw_score] = check.score(raw_score)
        raw_result = cells[at_result] if at_result is not None else ""
        result_value = RESULT_WORDS.get(raw_result.lower()) if raw_result else None
        if (
            person is None
            or known is None
            or day is None
            or score == _INVALID
            or (raw_result and result_value is None)
            or (person[1] and day < person[1])
            or (person[2] and day > person[2])
            # A cell of 12 characters or more, or not ASCII, may hold a 個人番号 (see ``cell_contains_my_number``).
            or max(map(len, cells)) >= 12
            or not "".join(cells).isascii()
        ):
            problems = check.problems(cells, columns)
            if problems or person is None or known is None or day is None:  # (no problems: none of them None)
                errors.append(f"{line}行目：" + "。".join(problems) + "。")
                continue
        course, course_id = known
        first = keys.setdefault((person[0], course_id, day), line)
        if first != line:
            errors.append(f"{line}行目：{first}行目と同じ受講記録です。")
            continue
        outcome = outcomes.get((course_id, result_value, score))
        if outcome is None:
            outcome = outcomes[course_id, result_value, score] = result_for(course, result=result_value, score=score)
        pending.append(
            (
                municipality_id,
                person[0],
                course_id,
                sessions.get((course_id, day)) if sessions else None,
                day,
                outcome,
                score,
                cells[at_evidence][:300] if at_evidence is not None else "",
                source,
                recorder_id,
                now,
            )
        )
    result.rows = checked
    if progress is not None:
        progress(checked % 1000)
    if pending:
        _refuse_existing(municipality, keys, errors)
    refusal = None if errors else my_number_refusal(Path(filename).name, data)  # other sheets, unused columns
    if refusal:
        errors.append(refusal)
    result.error_count = len(errors)
    if len(errors) > MAX_ERRORS_SHOWN:
        more = len(errors) - MAX_ERRORS_SHOWN
        del errors[MAX_ERRORS_SHOWN:]
        errors.append(f"ほかに {more} 件の誤りがあります。")
    if errors or dry_run:
        return result
    with transaction.atomic():
        try:
            claim(
                municipality_id=municipality.pk,
                kind=Kind.TRAINING,
                sha256=sha256,
                file_name=Path(filename).name,
                rows=len(pending),
            )
        except AlreadyImported as exc:
            raise ImportFileError(str(exc)) from exc
        bulk_insert_records(pending, progress=progress)
        analyze_after_commit(Record, rows=len(pending))
        audit.record(
            action=Action.IMPORT,
            municipality_id=municipality.pk,
            object_type="training.Record",
            summary=f"受講記録 {len(pending)} 件を一括取込（{Path(filename).name}）",
            after={"file": Path(filename).name, "sha256": sha256, "count": len(pending)},
        )
    result.created = len(pending)
    return result


def bulk_insert_records(rows: list[tuple[Any, ...]], *, progress: Callable[[int], object] | None = None) -> None:
    """Insert validated rows (values in ``INSERT_COLUMNS`` order) with ``insert_columns``: COPY text made a column
    at a time on PostgreSQL, a prepared INSERT on SQLite, no model instances (every cell was validated, the 個人番号
    check included). ``progress`` gets 0 per batch (the rows were counted while checked). The caller holds the
    transaction."""
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    insert_columns(
        Record._meta.db_table, INSERT_COLUMNS, columns, progress=(lambda n: progress(0)) if progress else None
    )


def _among(queryset: QuerySet[Any], column: str, values: Iterable[Any]) -> Iterator[QuerySet[Any]]:
    """``queryset`` restricted to ``column`` (of its table) in ``values``: on PostgreSQL one query with one array
    (``= ANY(%s)``: a third faster than ``IN`` of 5,000 values, and no limit); on SQLite ``IN`` by chunks."""
    ordered = sorted(values)
    if not ordered:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        where = RawSQL(f"{table}.{connection.ops.quote_name(column)} = ANY(%s)", (ordered,), BooleanField())
        yield queryset.filter(where)
        return
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        yield queryset.filter(**{f"{column}__in": ordered[start : start + LOOKUP_CHUNK]})


def _people(municipality: Municipality, numbers: set[str]) -> dict[str, tuple[int, Any, Any]]:
    """(pk, employed_from, employed_to) of the file's staff numbers only: a city's whole roster (200,000 people)
    read for a file of 5,000 rows cost more than writing them."""
    people: dict[str, tuple[int, Any, Any]] = {}
    # A cell that looks like a 個人番号 refuses its row: it is never sent to the database, even as a search value.
    wanted = (n for n in numbers if n and not cell_contains_my_number(n))
    for found in _among(Person.objects.for_municipality(municipality), "staff_number", wanted):
        rows = found.values_list("staff_number", "pk", "employed_from", "employed_to")
        people.update((number, (pk, start, end)) for number, pk, start, end in rows)
    return people


def _refuse_existing(municipality: Municipality, keys: dict[tuple[int, int, dt.date], int], errors: list[str]) -> None:
    """Name each row already recorded (same person, course and date): importing a file twice is refused.

    On PostgreSQL the records of the file's people within its first and last 受講日 are read first (one index range
    per person, 13 ms for 5,000 people among 600,000 records); they are usually few — an export brings new
    attendances — and their keys are compared here. When there are as many as the file has rows, the file's exact
    keys are looked up instead in one statement (an index probe each: 17 ms for 5,000 rows among 3 million
    records, 0.25 s for 100,000). On SQLite the records of the file's people, courses and dates are read by chunks.
    """
    found: Iterable[tuple[int, int, dt.date]]
    table = connection.ops.quote_name(Record._meta.db_table)
    if connection.vendor == "postgresql":
        days = [k[2] for k in keys]
        with connection.cursor() as cursor:
            # Integers as one comma-separated text, split by the database: psycopg dumps a Python list element by
            # element (0.37 s for 100,000 rows); integers and ISO dates hold no comma.
            cursor.execute(
                f"SELECT person_id, course_id, completed_on FROM {table} WHERE municipality_id = %s "
                "AND person_id = ANY(string_to_array(%s, ',')::bigint[]) AND completed_on BETWEEN %s AND %s "
                "LIMIT %s",
                [municipality.pk, ",".join(map(str, {k[0] for k in keys})), min(days), max(days), len(keys)],
            )
            near = cursor.fetchall()
            found = near
            if len(near) == len(keys):
                people, courses, on = (",".join(map(str, column)) for column in zip(*keys, strict=True))
                cursor.execute(
                    f"SELECT person_id, course_id, completed_on FROM {table} WHERE municipality_id = %s "
                    "AND (person_id, course_id, completed_on) IN (SELECT * FROM unnest("
                    "string_to_array(%s, ',')::bigint[], string_to_array(%s, ',')::bigint[], "
                    "string_to_array(%s, ',')::date[]))",
                    [municipality.pk, people, courses, on],
                )
                found = cursor.fetchall()
    else:
        dates = [k[2] for k in keys]
        existing = Record.objects.for_municipality(municipality).filter(
            course_id__in={k[1] for k in keys}, completed_on__gte=min(dates), completed_on__lte=max(dates)
        )
        found = (
            key
            for chunk in _among(existing, "person_id", {k[0] for k in keys})
            for key in chunk.values_list("person_id", "course_id", "completed_on")
        )
    for key in found:
        line = keys.get(key)
        if line is not None:
            errors.append(f"{line}行目：同じ受講記録がすでに登録されています。")
    errors.sort(key=lambda e: int(e.split("行目", 1)[0]) if e.split("行目", 1)[0].isdigit() else 0)
