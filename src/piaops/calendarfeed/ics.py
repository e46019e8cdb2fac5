"""An iCalendar (RFC 5545) writer for all-day deadline events, by hand: the format needed here is small.

- Lines end in CRLF and are folded at 75 octets (a CRLF and one space), never inside a UTF-8 character (§3.1).
- TEXT values escape backslash, semicolon, comma and newline (§3.3.11).
- Each event is all-day: ``DTSTART;VALUE=DATE`` and an exclusive ``DTEND`` (the day after the last day, §3.6.1).
- ``UID`` is stable per object and kind, so a moved deadline updates the same event in the subscriber's calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

LINE_OCTETS = 75
PRODID = "-//piaops//Calendar feed 1.0//JA"


@dataclass(frozen=True)
class Event:
    uid: str
    start: dt.date
    end: dt.date  # last day, inclusive
    summary: str
    description: str = ""
    url: str = ""  # absolute URI


def escape_text(value: str) -> str:
    """A TEXT value: ``\\`` ``;`` ``,`` escaped, line breaks as ``\\n``."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """``line`` folded to at most 75 octets per physical line, each ending in CRLF."""
    out: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, LINE_OCTETS  # the continuation's leading space counts
        current.append(char)
        size += octets
    out.append("".join(current))
    return "".join(part + "\r\n" for part in out)


def _date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def calendar(*, name: str, events: Iterable[Event], stamp: dt.datetime) -> str:
    """The whole VCALENDAR text. ``stamp`` (aware) is every event's DTSTAMP: when this feed was made."""
    when = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{when}",
            f"DTSTART;VALUE=DATE:{_date(event.start)}",
            f"DTEND;VALUE=DATE:{_date(event.end + dt.timedelta(days=1))}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
