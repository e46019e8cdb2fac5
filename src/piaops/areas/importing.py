"""Door-log import: validate every row first (line-numbered Japanese errors), then insert all or nothing.

The parser is a plain loop with a compiled regular expression for timestamps (``strptime`` would dominate the
cost of a million rows) and a dictionary from card number to its holders' validity periods.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from piaops.areas.models import Area, Card, DoorEvent, DoorLogImport, DoorLogMapping
from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.lib.dbstats import analyze_after_commit
from piaops.lib.mynumber import contains_my_number, find_my_numbers
from piaops.lib.textfiles import UndecodableFile, decode_text
from piaops.tenancy.models import User

MAX_LISTED_ERRORS = 200
BATCH = 5000
_TIMESTAMP = re.compile(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")
_TIME = re.compile(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


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
            if not split:
                stamp = row[i_ts].strip()
                # ISO text (the common export) parses in C; anything else goes through the regular expression.
                if len(stamp) > 10 and stamp[4] == "-" and ":" in stamp:
                    try:
                        value = dt.datetime.fromisoformat(stamp)
                    except ValueError:
                        pass
                    else:
                        value = value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
                        rows.append(ParsedRow(line, value.replace(microsecond=0), card, direction))
                        continue
            m = _TIMESTAMP.match(row[i_ts] if not split else row[i_date])
            t = _TIME.match(row[i_time]) if split else None
            if m is None or (split and t is None) or (not split and m.group(4) is None):
                fail(line, "日時を読み取れません（例：2026-11-02 08:15:00 または 2026/11/02 8:15）。")
                continue
            try:
                if split:
                    assert t is not None
                    hour, minute, second = int(t.group(1)), int(t.group(2)), int(t.group(3) or 0)
                else:
                    hour, minute, second = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
                at = dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), hour, minute, second, tzinfo=tz)
            except ValueError:
                fail(line, "存在しない日時です。")
                continue
            rows.append(ParsedRow(line, at, card, direction))
    except csv.Error as exc:
        fail(line, f"CSVとして読み取れません（{exc}）。")
    if total_errors:
        raise DoorLogError(errors, total_errors)
    if not rows:
        raise DoorLogError([RowError(0, "取り込む行がありません。")])
    return parsed


def _card_holders(area: Area) -> dict[str, list[tuple[dt.date, dt.date | None, int | None]]]:
    holders: dict[str, list[tuple[dt.date, dt.date | None, int | None]]] = {}
    for card_id, start, end, person_id in Card.objects.for_municipality(area.municipality_id).values_list(
        "card_id", "valid_from", "valid_to", "person_id"
    ):
        holders.setdefault(card_id, []).append((start, end, person_id))
    return holders


_INSERT = (
    "INSERT INTO {table} (municipality_id, area_id, batch_id, at, day, time, card_id, direction, person_id, line)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _adapters() -> tuple[Callable[[dt.datetime], Any], Callable[[dt.date], Any], Callable[[dt.time], Any]]:
    """How the raw INSERT passes instants, days and times: SQLite stores text (instants as naive UTC, which is
    what Django's own adapters produce, computed here without their per-value checks); PostgreSQL's driver
    takes the Python values as they are."""
    if connection.vendor == "sqlite":
        return (lambda at: str(at.astimezone(dt.UTC).replace(tzinfo=None))), str, str
    return (lambda at: at), (lambda day: day), (lambda t: t)


def _event_params(area: Area, batch: DoorLogImport, rows: list[ParsedRow]) -> Iterator[tuple[Any, ...]]:
    """Insert parameters of each event, with its local day/time and the card holder on that day."""
    holders = _card_holders(area)
    tz = _tz()
    adapt_at, adapt_day, adapt_time = _adapters()
    for r in rows:
        local = r.at if r.at.tzinfo is tz else r.at.astimezone(tz)  # parsed in the local zone already
        day = local.date()
        person_id = None
        for start, end, pid in holders.get(r.card_id, ()):
            if start <= day and (end is None or day <= end):
                person_id = pid
                break
        yield (
            area.municipality_id,
            area.pk,
            batch.pk,
            adapt_at(r.at),
            adapt_day(day),
            adapt_time(local.time()),
            r.card_id,
            r.direction,
            person_id,
            r.line,
        )


def _insert_events(area: Area, batch: DoorLogImport, rows: list[ParsedRow]) -> None:
    """One prepared INSERT executed for every row: the ORM's bulk_create spends most of its time preparing
    values one field at a time, which a million rows make visible. Every cell was already validated (and
    checked for a 個人番号) by ``parse``, which is what the fields' own preparation would have done."""
    sql = _INSERT.format(table=connection.ops.quote_name(DoorEvent._meta.db_table))
    params = _event_params(area, batch, rows)
    with connection.cursor() as cursor:
        while chunk := list(itertools.islice(params, BATCH)):
            cursor.executemany(sql, chunk)


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
    """Import a door-log CSV into ``area``: all rows or none. ``dry_run`` validates and returns an unsaved batch."""
    parsed = parse(data, mapping, progress=progress)
    batch = DoorLogImport(
        municipality_id=area.municipality_id,
        area=area,
        file_name=file_name[:255],
        sha256=parsed.sha256,
        encoding=parsed.text_encoding,
        rows=len(parsed.rows),
        first_at=min(r.at for r in parsed.rows),
        last_at=max(r.at for r in parsed.rows),
        imported_by=user,
    )
    if dry_run:
        return batch
    with transaction.atomic():
        batch.save()
        _insert_events(area, batch, parsed.rows)
        analyze_after_commit(DoorEvent)
        record(
            action=Action.IMPORT,
            municipality_id=area.municipality_id,
            obj=batch,
            summary=f"入退室ログ {batch.rows}件を{area.name}に取り込み",
            after={"file": file_name, "sha256": parsed.sha256, "rows": batch.rows, "area": area.pk},
        )
    return batch
