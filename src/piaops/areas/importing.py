"""Door-log import: validate every row first (line-numbered Japanese errors), then insert all or nothing.

An event is identified by its area, instant, card and direction (``doorevent_natural_key``): the line it came
from is where one file put it, not what it is, so an export overlapping an earlier one adds only what is new.

The parser is a plain loop: timestamps are read by the one date-time reader (``piaops.lib.dates.read_datetime``,
which parses ISO text in C: ``strptime`` would dominate the cost of a million rows), card holders come from a
dictionary from card number to its holders' validity periods.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from piaops.areas.models import Area, Card, DoorEvent, DoorLogImport, DoorLogMapping, MonthlyReview
from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.lib.bulkinsert import collector_paused, insert_rows
from piaops.lib.dates import DATETIME_HINT, DateReadError, read_datetime
from piaops.lib.dbstats import analyze_after_commit
from piaops.lib.mynumber import contains_my_number, find_my_numbers
from piaops.lib.textfiles import UndecodableFile, decode_text
from piaops.tenancy.imported_files import AlreadyImported, Kind, claim, refuse_if_imported
from piaops.tenancy.models import User

MAX_LISTED_ERRORS = 200


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}行目：{self.message}" if self.line else self.message


class DoorLogError(Exception):
    """The file cannot be imported; ``errors`` lists every problem found (nothing was saved)."""

    def __init__(self, errors: list[RowError], total: int | None = None) -> None:
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors
        self.total = total if total is not None else len(errors)


@dataclass
class ParsedRow:
    line: int
    at: dt.datetime
    card_id: str
    direction: str


@dataclass
class Parsed:
    text_encoding: str
    sha256: str
    rows: list[ParsedRow] = field(default_factory=list)


def _values(spec: str) -> set[str]:
    return {v.strip() for v in spec.split(",") if v.strip()}


def _tz() -> dt.tzinfo:
    return ZoneInfo(settings.TIME_ZONE)


def parse(data: bytes, mapping: DoorLogMapping, *, progress: Callable[[int], None] | None = None) -> Parsed:
    """Every row of ``data`` checked against ``mapping``; raises ``DoorLogError`` listing all bad rows."""
    try:
        text, encoding = decode_text(data, what="入退室ログ")
    except UndecodableFile as exc:
        raise DoorLogError([RowError(0, str(exc))]) from exc
    parsed = Parsed(text_encoding=encoding, sha256=hashlib.sha256(data).hexdigest())
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise DoorLogError([RowError(1, "見出し行を読み取れません。")]) from exc
    split = bool(mapping.date_column and mapping.time_column)
    wanted = [mapping.card_column, mapping.direction_column] + (
        [mapping.date_column, mapping.time_column] if split else [mapping.timestamp_column]
    )
    missing = [c for c in wanted if c not in header]
    if missing:
        shown = "、".join(header[:10])
        raise DoorLogError(
            [
                RowError(
                    1, f"列「{'」「'.join(missing)}」が見つかりません（見出し：{shown}）。列の対応を確認してください。"
                )
            ]
        )
    i_card, i_dir = header.index(mapping.card_column), header.index(mapping.direction_column)
    i_ts = header.index(mapping.timestamp_column) if not split else -1
    i_date = header.index(mapping.date_column) if split else -1
    i_time = header.index(mapping.time_column) if split else -1
    ins, outs = _values(mapping.in_values), _values(mapping.out_values)
    tz = _tz()
    errors: list[RowError] = []
    total_errors = 0
    width = len(header)

    def fail(line: int, message: str) -> None:
        nonlocal total_errors
        total_errors += 1
        if len(errors) < MAX_LISTED_ERRORS:
            errors.append(RowError(line, message))

    # One scan of the whole text finds every 個人番号 candidate (C-speed regex) instead of one scan per cell.
    # The delimiter ends a number (adjacent fields never join into 12 digits); a quoted field holding the delimiter
    # is read on its own in the loop.
    spans = find_my_numbers(text, breaks=",;\t")
    my_number_lines = {text.count("\n", 0, start) + 1 for start, _ in spans}
    rows = parsed.rows
    line = previous = 1
    try:
        for row in reader:
            previous, line = line, reader.line_num
            if progress is not None and line % 10000 == 0:
                progress(line)
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            quoted = [c for c in row if "," in c or ";" in c or "\t" in c]  # a field whose delimiter is inside quotes
            if (my_number_lines and any(n in my_number_lines for n in range(previous + 1, line + 1))) or (
                quoted and any(contains_my_number(c) for c in quoted)
            ):
                fail(line, "個人番号と思われる12桁の数字が含まれています。個人番号は取り込めません。")
                continue
            if len(row) < width:
                fail(line, f"列の数が足りません（{len(row)}列、見出しは{width}列）。")
                continue
            card = row[i_card].strip()
            direction_raw = row[i_dir].strip()
            if not card:
                fail(line, "カード番号が空です。")
                continue
            if len(card) > 64:
                fail(line, "カード番号が長すぎます（64文字まで）。")
                continue
            if direction_raw in ins:
                direction = "in"
            elif direction_raw in outs:
                direction = "out"
            else:
                fail(line, f"入退の値「{direction_raw[:20]}」を入室・退室のどちらとも判断できません。")
                continue
            try:
                at = read_datetime(row[i_date], row[i_time], tz=tz) if split else read_datetime(row[i_ts], tz=tz)
            except DateReadError as exc:
                fail(line, str(exc))
                continue
            if at is None:
                fail(line, DATETIME_HINT)
                continue
            at = at.replace(microsecond=0)
            rows.append(ParsedRow(line, at, card, direction))
    except csv.Error as exc:
        fail(line, f"CSVとして読み取れません（{exc}）。")
    if total_errors:
        raise DoorLogError(errors, total_errors)
    if not rows:
        raise DoorLogError([RowError(0, "取り込む行がありません。")])
    return parsed


def refuse_signed_months(area: Area, rows: list[ParsedRow]) -> None:
    """Signed means frozen: a file with rows in a month whose review is signed is refused as a whole (nothing is
    imported) until the admin re-opens that month with a reason. One query for the signed months in the file's
    range; the rows are only scanned when there is one."""
    tz = _tz()
    first, last = (min(r.at for r in rows).astimezone(tz).date(), max(r.at for r in rows).astimezone(tz).date())
    signed = set(
        MonthlyReview.objects.filter(
            area=area, status=MonthlyReview.Status.SIGNED, month__gte=first.replace(day=1), month__lte=last
        ).values_list("month", flat=True)
    )
    if not signed:
        return
    lines: dict[dt.date, list[int]] = {}
    for r in rows:
        month = r.at.astimezone(tz).date().replace(day=1)
        if month in signed:
            lines.setdefault(month, []).append(r.line)
    if lines:
        raise DoorLogError(
            [
                RowError(
                    found[0],
                    f"{month.year}年{month.month}月は月次確認に署名済みのため、この月の記録は取り込めません"
                    f"（{len(found)}行）。取り込むには、管理者が理由を記録してこの月を再開してください"
                    "（再開後は再度の署名が必要です）。",
                )
                for month, found in sorted(lines.items())
            ]
        )


def _card_holders(area: Area) -> dict[str, list[tuple[dt.date, dt.date | None, int | None]]]:
    holders: dict[str, list[tuple[dt.date, dt.date | None, int | None]]] = {}
    for card_id, start, end, person_id in Card.objects.for_municipality(area.municipality_id).values_list(
        "card_id", "valid_from", "valid_to", "person_id"
    ):
        holders.setdefault(card_id, []).append((start, end, person_id))
    return holders


EVENT_COLUMNS = (
    "municipality_id",
    "area_id",
    "batch_id",
    "at",
    "day",
    "time",
    "card_id",
    "direction",
    "person_id",
    "line",
)

Key = tuple[dt.datetime, str, str]


def _distinct(rows: list[ParsedRow]) -> tuple[list[ParsedRow], int]:
    """The rows without repeats of an earlier line (same instant, card and direction: one event the reader or
    the export wrote twice), and how many repeats there were."""
    seen: set[Key] = set()
    kept: list[ParsedRow] = []
    for r in rows:
        key = (r.at, r.card_id, r.direction)
        if key not in seen:
            seen.add(key)
            kept.append(r)
    return kept, len(rows) - len(kept)


def _not_stored(area: Area, rows: list[ParsedRow]) -> tuple[list[ParsedRow], int]:
    """The rows whose event ``area`` does not hold yet (an export overlapping an earlier one), and how many it
    holds. One range query on the natural key's index; none at all for a month not imported before."""
    first, last = min(r.at for r in rows), max(r.at for r in rows)
    stored = set(
        DoorEvent.objects.filter(area=area, at__gte=first, at__lte=last).values_list("at", "card_id", "direction")
    )
    if not stored:
        return rows, 0
    fresh = [r for r in rows if (r.at, r.card_id, r.direction) not in stored]
    return fresh, len(rows) - len(fresh)


def _event_rows(area: Area, batch_id: int, rows: list[ParsedRow]) -> Iterator[tuple[Any, ...]]:
    """Each event's row in ``EVENT_COLUMNS`` order, with its local day/time and the card holder on that day.

    The card holders are read first: the rows are produced while COPY holds the connection."""
    holders = _card_holders(area)
    return _event_tuples(area, batch_id, rows, holders)


def _event_tuples(
    area: Area,
    batch_id: int,
    rows: list[ParsedRow],
    holders: dict[str, list[tuple[dt.date, dt.date | None, int | None]]],
) -> Iterator[tuple[Any, ...]]:
    tz = _tz()
    m, a = area.municipality_id, area.pk
    for r in rows:
        local = r.at if r.at.tzinfo is tz else r.at.astimezone(tz)  # parsed in the local zone already
        day = local.date()
        person_id = None
        for start, end, pid in holders.get(r.card_id, ()):
            if start <= day and (end is None or day <= end):
                person_id = pid
                break
        yield (m, a, batch_id, r.at, day, local.time(), r.card_id, r.direction, person_id, r.line)


def _refusal(exc: AlreadyImported) -> DoorLogError:
    return DoorLogError([RowError(0, str(exc))])


@collector_paused()
def door_log_import(
    *,
    area: Area,
    data: bytes,
    file_name: str,
    mapping: DoorLogMapping,
    user: User | None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> DoorLogImport:
    """Import a door-log CSV into ``area``: all rows or none. ``dry_run`` validates and returns an unsaved batch.

    The same file twice is refused (``ImportedFile``); an event the area already holds (same instant, card and
    direction: an export overlapping an earlier one) or one the file repeats is not added again, and the batch
    counts it in ``skipped``. A file that adds nothing is refused.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        refuse_if_imported(municipality_id=area.municipality_id, kind=Kind.DOOR_LOG, sha256=sha256)
    except AlreadyImported as exc:
        raise _refusal(exc) from exc
    parsed = parse(data, mapping, progress=progress)
    refuse_signed_months(area, parsed.rows)
    rows, repeated = _distinct(parsed.rows)
    batch = DoorLogImport(
        municipality_id=area.municipality_id,
        area=area,
        file_name=file_name[:255],
        sha256=sha256,
        encoding=parsed.text_encoding,
        rows=len(rows),
        skipped=repeated,
        first_at=min(r.at for r in rows),
        last_at=max(r.at for r in rows),
        imported_by=user,
    )
    if dry_run:
        fresh, stored = _not_stored(area, rows)
        batch.rows, batch.skipped = len(fresh), repeated + stored
        return batch
    with transaction.atomic():
        try:
            claim(
                municipality_id=area.municipality_id,
                kind=Kind.DOOR_LOG,
                sha256=sha256,
                file_name=file_name,
                rows=len(parsed.rows),
            )
        except AlreadyImported as exc:
            raise _refusal(exc) from exc
        # Imports into one area take turns, so the events found stored below cannot change until this commits.
        Area.objects.select_for_update().filter(pk=area.pk).first()
        fresh, stored = _not_stored(area, rows)
        if not fresh:
            raise DoorLogError([RowError(0, f"このファイルの{len(rows):,}件の記録は、すべて取り込み済みです。")])
        batch.rows, batch.skipped = len(fresh), repeated + stored
        batch.save()
        insert_rows(DoorEvent._meta.db_table, EVENT_COLUMNS, _event_rows(area, batch.pk, fresh))
        analyze_after_commit(DoorEvent, rows=len(fresh))
        record(
            action=Action.IMPORT,
            municipality_id=area.municipality_id,
            obj=batch,
            summary=f"入退室ログ {batch.rows}件を{area.name}に取り込み"
            + (f"（取込済み・重複の{batch.skipped}件は追加せず）" if batch.skipped else ""),
            after={
                "file": file_name,
                "sha256": sha256,
                "rows": batch.rows,
                "skipped": batch.skipped,
                "area": area.pk,
            },
        )
    return batch
