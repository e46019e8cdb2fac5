"""Reconciliation of an area's door log for a month: the exceptions the 情報システム部門 must review.

- 未登録カード: a card the municipality has not registered (neither a person's card nor a visitor card);
- 許可のない入室: a person entering without an authorisation covering that day;
- 許可時間外の入室: an authorised person entering outside the authorised hours;
- 退室記録なし: an entry with no exit by the same card on the same day;
- 入室記録のない退室: an exit with no entry before it (a tailgating pattern: someone came in on another's card);
- 来訪記録のない来訪者カード: a visitor card used on a day with no visit record (with its escort) for it.

Each check is one set-based query (the sequence checks use LAG/LEAD window functions, portable between SQLite and
PostgreSQL), so the cost does not grow with Python loops over events. Each exception has a stable ``key`` that
review comments refer to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Exists, OuterRef, Q

from piaops.areas.models import Area, Authorization, Card, DoorEvent, Visit


class ExceptionKind(models.TextChoices):
    UNKNOWN_CARD = "unknown_card", "未登録カード"
    UNAUTHORISED = "unauthorised", "許可のない入室"
    OUTSIDE_HOURS = "outside_hours", "許可時間外の入室"
    NO_EXIT = "no_exit", "退室記録なし"
    EXIT_WITHOUT_ENTRY = "exit_without_entry", "入室記録のない退室（共連れの疑い）"
    UNESCORTED_VISITOR = "unescorted_visitor", "来訪記録のない来訪者カードの利用"


@dataclass(frozen=True)
class AccessException:
    kind: str
    event_id: int
    at: dt.datetime
    card_id: str
    person_id: int | None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.event_id}"

    @property
    def label(self) -> str:
        return ExceptionKind(self.kind).label


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return start, end


def _exceptions(qs: models.QuerySet[DoorEvent], kind: str) -> list[AccessException]:
    return [
        AccessException(kind, pk, at, card, person)
        for pk, at, card, person in qs.values_list("pk", "at", "card_id", "person_id").order_by("at", "pk")
    ]


_SEQUENCE_SQL = """
SELECT id, at, card_id, person_id, direction, prev_dir, next_dir, next_day, day FROM (
    SELECT id, at, card_id, person_id, direction, day,
        LAG(direction) OVER (PARTITION BY card_id ORDER BY at, id) AS prev_dir,
        LEAD(direction) OVER (PARTITION BY card_id ORDER BY at, id) AS next_dir,
        LEAD(day) OVER (PARTITION BY card_id ORDER BY at, id) AS next_day
    FROM areas_doorevent
    WHERE area_id = %s AND day BETWEEN %s AND %s
) seq
WHERE day BETWEEN %s AND %s AND (
    (direction = 'in' AND (next_dir IS NULL OR next_dir = 'in' OR next_day <> day))
    OR (direction = 'out' AND (prev_dir IS NULL OR prev_dir = 'out'))
)
ORDER BY at, id
"""


def _sequence_exceptions(area: Area, start: dt.date, end: dt.date) -> list[AccessException]:
    """Entries without exit and exits without entry. A day of margin on each side of the month keeps a pair
    that straddles midnight at the month's edge from being reported as two exceptions' worth of noise."""
    margin_start, margin_end = start - dt.timedelta(days=1), end + dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(_SEQUENCE_SQL, [area.pk, margin_start, margin_end, start, end])
        rows = cursor.fetchall()
    found = []
    for pk, at, card, person, direction, _prev, _next, _next_day, _day in rows:
        if isinstance(at, str):  # SQLite returns the raw column from a raw query
            at = dt.datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        kind = ExceptionKind.NO_EXIT if direction == "in" else ExceptionKind.EXIT_WITHOUT_ENTRY
        found.append(AccessException(kind, pk, at, card, person))
    return found


def reconcile(*, area: Area, month: dt.date) -> list[AccessException]:
    """Every exception of ``area`` in the month containing ``month``, ordered by time."""
    start, end = month_bounds(month)
    events = DoorEvent.objects.filter(area=area, day__gte=start, day__lte=end)
    entries = events.filter(direction="in")
    cards = Card.objects.filter(municipality_id=area.municipality_id, card_id=OuterRef("card_id"))
    card_valid = cards.filter(valid_from__lte=OuterRef("day")).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef("day"))
    )
    authorised_that_day = Authorization.objects.filter(
        area=area, person=OuterRef("person"), valid_from__lte=OuterRef("day")
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef("day")))
    within_hours = authorised_that_day.filter(
        Q(hours_start__lte=OuterRef("time")) | Q(hours_start__isnull=True, area__hours_start__lte=OuterRef("time"))
    ).filter(Q(hours_end__gte=OuterRef("time")) | Q(hours_end__isnull=True, area__hours_end__gte=OuterRef("time")))
    # A visit recorded at reception for that card on that day covers the card's use: reception clocks and the
    # door controller's clock differ, so the day is compared, not the minute.
    visit_covering = Visit.objects.filter(area=area, card_id=OuterRef("card_id"), entered_at__date=OuterRef("day"))
    visitor_card = card_valid.filter(person__isnull=True)

    found: list[AccessException] = []
    found += _exceptions(entries.filter(person__isnull=True).exclude(Exists(card_valid)), ExceptionKind.UNKNOWN_CARD)
    found += _exceptions(
        entries.filter(person__isnull=True).filter(Exists(visitor_card)).exclude(Exists(visit_covering)),
        ExceptionKind.UNESCORTED_VISITOR,
    )
    found += _exceptions(
        entries.filter(person__isnull=False).exclude(Exists(authorised_that_day)), ExceptionKind.UNAUTHORISED
    )
    found += _exceptions(
        entries.filter(person__isnull=False).filter(Exists(authorised_that_day)).exclude(Exists(within_hours)),
        ExceptionKind.OUTSIDE_HOURS,
    )
    found += _sequence_exceptions(area, start, end)
    found.sort(key=lambda e: (e.at, e.event_id, e.kind))
    return found
