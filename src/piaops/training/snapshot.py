"""The municipality's training compliance counts on a day, cached per day and version: what the dashboard, the
training overview and the home page read, at a cost independent of the head count.

Why per day with invalidation rather than maintained on write: the status of a person depends on the day itself
(a deadline passes at midnight without any write), and on many tables (people, assignments, units, works, users,
role grants, courses, requirements, records). Maintaining counts row by row would repeat the compliance rules a
second time in write paths — the one rule would live in two places. Instead the one set-based statement
(:mod:`piaops.training.compliance`) computes the counts, and they are kept until anything they read changes:

- ``training_complianceversion.n`` is raised by database triggers (migration 0003) on every insert, update and
  delete of those tables, in the writer's own transaction — no write path (form, API, import by COPY, raw SQL,
  a future one) can forget it;
- a snapshot row stores the counts with the version read *before* they were computed. It is served only while
  that version is still the current one. A writer committing between the version read and the computation makes
  the stored counts newer than their version, never older: a later reader sees a higher version and recomputes.

The first request of a day (or after a write) computes in one statement; every other request reads one row:
one query, whatever the number of people. Snapshots of older versions are deleted when a new one is stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from piaops.lib.fiscal import previous_office_day
from piaops.tenancy.models import Municipality, Person
from piaops.training.compliance import Status, active_requirements, current_unit_of, statement
from piaops.training.models import Requirement
from piaops.training.periods import day_number

REMIND_BEFORE_DAYS = 14  # a pending deadline is "near" (reminded, counted on the home page) from this many days


@dataclass(frozen=True)
class Snapshot:
    """Counts of people × requirements (``requirements``: per status, 対象外 included; ``unit_emp``: per current
    unit × employment type, in-scope statuses only) and of *people* per current unit with at least one overdue
    requirement / one pending deadline within :data:`REMIND_BEFORE_DAYS` days (``people``)."""

    as_of: dt.date
    population: int
    requirements: dict[int, Counter[str]] = field(default_factory=dict)
    unit_emp: list[tuple[int | None, str, int, int, int]] = field(default_factory=list)  # unit, type, d, p, o
    people: dict[int | None, tuple[int, int]] = field(default_factory=dict)  # unit → (overdue, due soon)

    def to_json(self) -> str:
        return json.dumps(
            {
                "population": self.population,
                "requirements": [[r, s, n] for r, c in self.requirements.items() for s, n in c.items()],
                "unit_emp": self.unit_emp,
                "people": [[u, o, s] for u, (o, s) in self.people.items()],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, as_of: dt.date, text: str) -> Snapshot:
        data = json.loads(text)
        requirements: dict[int, Counter[str]] = {}
        for r, s, n in data["requirements"]:
            requirements.setdefault(r, Counter())[s] = n
        return cls(
            as_of=as_of,
            population=data["population"],
            requirements=requirements,
            unit_emp=[tuple(row) for row in data["unit_emp"]],
            people={u: (o, s) for u, o, s in data["people"]},
        )

    def overdue_people(self, unit_ids: set[int] | None = None) -> int:
        """People overdue on at least one requirement (whose current unit is one of ``unit_ids``, if given)."""
        return sum(o for u, (o, _) in self.people.items() if unit_ids is None or u in unit_ids)

    def due_soon_people(self, unit_ids: set[int] | None = None) -> int:
        return sum(s for u, (_, s) in self.people.items() if unit_ids is None or u in unit_ids)


def compute(municipality_id: int, as_of: dt.date, requirements: list[Requirement] | None = None) -> Snapshot:
    """The counts from the compliance statement, uncached (two queries besides the requirements' own)."""
    if requirements is None:
        requirements = active_requirements(municipality_id)
    population = Person.objects.for_municipality(municipality_id).count()
    result = Snapshot(as_of=as_of, population=population, requirements={r.pk: Counter() for r in requirements})
    if requirements:
        text, params = statement(requirements, as_of)
        # A deadline is met on the 開庁日 on or after its nominal day: it falls within the window exactly when the
        # nominal day is on or before the last 開庁日 of the window.
        soon = day_number(previous_office_day(as_of + dt.timedelta(days=REMIND_BEFORE_DAYS)))
        text = (
            f"WITH t AS ({text}), "
            "j AS (SELECT t.requirement_id, t.person_id, t.status, t.due_dn, t.employment_type, "
            f"{current_unit_of('t.person_id', as_of)} AS unit_id FROM t) "
            "SELECT 0, requirement_id, unit_id, employment_type, status, COUNT(*), 0 FROM j "
            "GROUP BY requirement_id, unit_id, employment_type, status "
            "UNION ALL SELECT 1, 0, unit_id, '', '', "
            "COUNT(DISTINCT CASE WHEN status = %s THEN person_id END), "
            "COUNT(DISTINCT CASE WHEN status = %s AND due_dn <= %s THEN person_id END) "
            "FROM j WHERE status IN (%s, %s) GROUP BY unit_id"
        )
        params += [Status.OVERDUE, Status.PENDING, soon, Status.OVERDUE, Status.PENDING]
        cells: dict[tuple[int | None, str], list[int]] = {}
        column = {Status.DONE.value: 0, Status.PENDING.value: 1, Status.OVERDUE.value: 2}
        with connection.cursor() as cursor:
            cursor.execute(text, params)
            for kind, req_id, unit_id, employment, status, n, m in cursor.fetchall():
                if kind == 0:
                    result.requirements[req_id][status] += n
                    cells.setdefault((unit_id, employment), [0, 0, 0])[column[status]] += n
                elif n or m:
                    result.people[unit_id] = (n, m)
        result.unit_emp.extend(
            (unit_id, employment, *counts)  # type: ignore[misc]
            for (unit_id, employment), counts in sorted(cells.items(), key=lambda item: (item[0][0] or 0, item[0][1]))
        )
    for counter in result.requirements.values():
        counter[Status.NOT_APPLICABLE] = population - sum(counter.values())
    return result


_READ = (
    "SELECT v.n, s.payload FROM (SELECT COALESCE(MAX(n), 0) AS n FROM training_complianceversion "
    "WHERE municipality_id = %s) v LEFT JOIN training_compliancesnapshot s ON s.municipality_id = %s "
    "AND s.as_of = %s AND s.version = v.n"
)
_STORE = (
    "INSERT INTO training_compliancesnapshot (municipality_id, as_of, version, payload, computed_at) "
    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (municipality_id, as_of) DO UPDATE SET version = excluded.version, "
    "payload = excluded.payload, computed_at = excluded.computed_at "
    "WHERE training_compliancesnapshot.version < excluded.version"
)


def snapshot(municipality: Municipality | int, as_of: dt.date) -> Snapshot:
    """The counts on ``as_of``: one query when cached for the current version, else computed and stored."""
    m = municipality if isinstance(municipality, int) else int(municipality.pk)
    with connection.cursor() as cursor:
        # One statement, so one view of the data: the version and the snapshot stored for it (if any).
        cursor.execute(_READ, [m, m, as_of])
        version, payload = cursor.fetchone()
    if payload is not None:
        return Snapshot.from_json(as_of, payload)
    result = compute(m, as_of)
    with connection.cursor() as cursor:
        cursor.execute(_STORE, [m, as_of, version, result.to_json(), timezone.now()])
        cursor.execute(
            "DELETE FROM training_compliancesnapshot WHERE municipality_id = %s AND version < %s", [m, version]
        )
    return result
