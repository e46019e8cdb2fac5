"""The hand-written iCalendar writer against an independent reader (icalendar) and RFC 5545's line rules."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from piaops.calendarfeed.ics import Event, calendar, fold

pytestmark = pytest.mark.engine_independent

STAMP = dt.datetime(2026, 11, 25, 1, 2, 3, tzinfo=dt.UTC)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=300))
def test_folding_keeps_lines_within_75_octets_and_unfolds_to_the_original(text: str) -> None:
    folded = fold("SUMMARY:" + text).encode("utf-8")
    lines = folded.split(b"\r\n")
    assert lines[-1] == b""
    assert all(len(line) <= 75 for line in lines)
    assert all(line.startswith(b" ") for line in lines[1:-1])
    assert folded.replace(b"\r\n ", b"").decode("utf-8") == "SUMMARY:" + text + "\r\n"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200))
def test_any_summary_reads_back_unchanged(summary: str) -> None:
    text = calendar(
        name="期限",
        events=[Event(uid="x-1@piaops", start=dt.date(2027, 1, 29), end=dt.date(2027, 1, 29), summary=summary)],
        stamp=STAMP,
    )
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == summary


def test_a_span_ends_the_day_after_its_last_day() -> None:
    text = calendar(
        name="期限",
        events=[Event(uid="a-1@piaops", start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 3), summary="【監査】")],
        stamp=STAMP,
    )
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert event["DTSTART"].dt == dt.date(2026, 12, 1) and event["DTEND"].dt == dt.date(2026, 12, 4)
    assert event["DTSTAMP"].dt == STAMP
