"""The compliance engine: the status of every person against every requirement on any date, set-based in SQL.

One SQL statement answers all requirements at once: requirements with the same scope (who, which assignments)
share one computation of the stints and one pass over the records (``WITH`` blocks per distinct scope), then one
``SELECT`` per requirement joined by ``UNION ALL``; the number of queries does not depend on the head count. The
statement is portable SQL with window functions; only the "day number" of a date (days since 1970-01-01, for
date + N days) is spelled per database.

Rules (``D`` is the as-of date; "in scope" = employed on D, matching the requirement's person filters, and holding
an in-scope assignment on D):

- *Stint*: in-scope assignments that overlap or follow each other without a day's gap form one stint; a transfer
  between in-scope units keeps the stint, leaving and coming back starts a new one. The *anchor* is the first
  day of the stint containing D. Only completions on or after the anchor count (training of an earlier stint does
  not cover a return).
- 初任時: due ``anchor + within_days + grace_days``. 受講済 once completed; before that 期限内 up to and including the
  due date, 期限超過 after. Until completed the person is also flagged *untrained with access* from the first day.
- 新規着任時: as 初任時, from the start of the latest in-scope assignment active on D (the first one included;
  each transfer needs it anew). Once a one-off requirement is met, no deadline is shown.
- Nか月ごと: a completion holds until the same day N months later (month ends clamp); the deadline is that day
  plus grace. With no completion in the stint, the first deadline is ``anchor + N months + grace``.
- 年度にN回: the 年度 splits into N equal periods; 受講済 when completed in the current period; 期限超過 when the
  previous period (if the stint had begun by its last day) had no completion and its last day + grace has passed;
  otherwise 期限内 (deadline: the unmet previous period's, else the current period's last day + grace). A late
  completion within the grace window falls in the current period, so it settles both.
- Every deadline above falls on a 開庁日: a nominal deadline on a Saturday, Sunday, national holiday or 12/29–1/3
  moves to the next 開庁日 (期限内 through that day).
- Everyone else is 対象外.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Q, TextChoices

from piaops.lib.fiscal import next_office_day, previous_office_day
from piaops.tenancy.models import Municipality, OrgUnit, WorkUnit
from piaops.training.models import COMPLETING_RESULTS, Requirement, Trigger
from piaops.training.periods import (
    EPOCH,
    day_number,
    from_day_number,
    latest_with_months_not_after,
    next_period,
    period_of,
    previous_period,
)

NO_END = 99_999_999  # day number of an open-ended assignment (far beyond any date, still a 4-byte integer)


class Status(TextChoices):
    DONE = "done", "受講済"
    PENDING = "pending", "未受講（期限内）"  # one word on every page: training, dashboard, Section Ⅳ
    OVERDUE = "overdue", "期限超過"
    NOT_APPLICABLE = "na", "対象外"


@dataclass(frozen=True)
class Row:
    requirement_id: int
    person_id: int
    status: str
    anchor: dt.date  # first day of the stint
    base: dt.date  # the day the requirement counts from (anchor, or the latest assignment for 新規着任時)
    last_completed: dt.date | None
    due: dt.date | None
    untrained_access: bool

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


def _dn(expr: str) -> str:
    """SQL for the day number of a date expression (NULL stays NULL)."""
    if connection.vendor == "postgresql":
        return f"(({expr})::date - DATE '1970-01-01')"
    return f"CAST(julianday({expr}) - 2440587.5 AS INTEGER)"


def _add_months(expr: str, months: int) -> str:
    """SQL for the date ``months`` after a date expression, a day the target month lacks becoming its last day
    (as :func:`piaops.lib.fiscal.add_months`): PostgreSQL's interval arithmetic clamps so; SQLite's ``+N months``
    overflows into the next month instead, so the smaller of it and the target month's last day is taken."""
    months = int(months)
    if connection.vendor == "postgresql":
        return f"(({expr}) + make_interval(months => {months}))::date"
    return (
        f"MIN(date({expr}, '{months:+d} months'), date({expr}, 'start of month', '{months + 1:+d} months', '-1 day'))"
    )


def _ints(values: Iterable[int]) -> str:
    return ",".join(str(int(v)) for v in values) or "NULL"


def _unit_ids(req: Requirement) -> list[int] | None:
    """Units whose assignments are in scope (subtree ∩ units carrying out the work), or None for all units."""
    if req.unit_id is None and req.work_id is None:
        return None
    qs = OrgUnit.objects.filter(municipality_id=req.municipality_id)
    if req.unit is not None:
        qs = qs.filter(path__startswith=req.unit.path)
    if req.work_id is not None:
        paths = WorkUnit.objects.filter(work_id=req.work_id).values_list("unit__path", flat=True)
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(path__startswith=path)
        qs = qs.filter(condition)
    return list(qs.values_list("pk", flat=True))


class _Sql:
    """Accumulates SQL text and its parameters in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, text: str, *params: Any) -> None:
        self.parts.append(text)
        self.params.extend(params)

    def text(self) -> str:
        return "".join(self.parts)


def _scope(req: Requirement) -> tuple[Any, ...]:
    """What decides which assignments are in a requirement's scope: requirements alike in it share their stints.

    Only the assignment filters (特定個人情報, units) count: the person filters (employment types, party, roles)
    keep or drop all of a person's assignments at once, so a person's stints are the same with or without them;
    they are applied per requirement to the shared stints (:func:`_person_conditions`)."""
    units = _unit_ids(req)
    return (int(req.municipality_id), bool(req.handling_only), None if units is None else tuple(sorted(units)))


def _person_conditions(req: Requirement) -> tuple[str, list[Any]]:
    """The requirement's person filters as a condition on ``sc`` (one row per in-scope person), or ''."""
    conditions: list[str] = []
    params: list[Any] = []
    if req.employment_types:
        conditions.append(f"sc.employment_type IN ({','.join(['%s'] * len(req.employment_types))})")
        params.extend(req.employment_types)
    if req.party_id:
        conditions.append(f"sc.party_id = {int(req.party_id)}")
    if req.roles:
        conditions.append(
            "EXISTS (SELECT 1 FROM tenancy_user u JOIN tenancy_rolegrant g ON g.user_id = u.id "
            f"WHERE u.person_id = sc.person_id AND g.role IN ({','.join(['%s'] * len(req.roles))}))"
        )
        params.extend(req.roles)
    return " AND ".join(conditions), params


def _scope_ctes(
    sql: _Sql,
    k: int,
    req: Requirement,
    units: Sequence[int] | None,
    as_of: dt.date,
    person_sql: str,
    person_params: list[Any],
) -> None:
    """Append the CTEs ``qa_k`` (in-scope assignments), ``w_k`` and ``sc_k`` (one row per in-scope person) of scope
    ``k``, written from its first requirement ``req``."""
    dn_d = day_number(as_of)
    sql.add(
        f"qa_{k} AS (SELECT a.id, a.person_id, a.start_date, p.employment_type, p.party_id, "
        f"{_dn('a.start_date')} AS s, "
        f"COALESCE({_dn('a.end_date')}, {NO_END}) AS e "
        "FROM tenancy_assignment a JOIN tenancy_person p ON p.id = a.person_id "
        f"WHERE a.municipality_id = {int(req.municipality_id)} AND a.start_date <= %s "
        "AND (p.employed_from IS NULL OR p.employed_from <= %s) AND (p.employed_to IS NULL OR p.employed_to >= %s)",
        as_of,
        as_of,
        as_of,
    )
    if req.handling_only:
        sql.add(" AND a.handles_specific_personal_info = %s", True)
    if units is not None:
        sql.add(f" AND a.unit_id IN ({_ints(units)})")
    if person_sql:
        sql.add(f" AND a.person_id IN ({person_sql})", *person_params)
    sql.add("), ")
    # Stints (gaps and islands): an assignment starts a stint unless an earlier one reaches its eve.
    sql.add(
        f"w_{k} AS (SELECT person_id, start_date, employment_type, party_id, s, e, "
        "MAX(e) OVER (PARTITION BY person_id ORDER BY s, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) "
        f"AS prev_e FROM qa_{k}), "
    )
    sql.add(
        f"sc_{k} AS (SELECT person_id, "
        "MAX(CASE WHEN prev_e IS NULL OR s > prev_e + 1 THEN start_date END) AS anchor, "
        f"MAX(CASE WHEN e >= {dn_d} THEN start_date END) AS latest, MAX(employment_type) AS employment_type, "
        "MAX(party_id) AS party_id "
        f"FROM w_{k} GROUP BY person_id HAVING MAX(e) >= {dn_d})"
    )


def _completions_cte(
    sql: _Sql, k: int, members: Sequence[tuple[int, Requirement]], courses: dict[int, list[int]], as_of: dt.date
) -> None:
    """Append ``lc_k``: per person of scope ``k``, the counting completions of each of its requirements ``i`` in one
    pass over the records: ``last_i`` (the latest since the requirement's base day) and, for 年度 kinds,
    ``done_c_i`` / ``done_p_i`` (one in the current / previous period). The base day is never before the anchor."""
    municipality_id = int(members[0][1].municipality_id)
    all_courses = sorted({c for _, req in members for c in courses[req.pk]})
    sql.add(f"lc_{k} AS (SELECT sc.person_id")
    for i, req in members:
        base = "latest" if req.trigger == Trigger.ON_ASSIGNMENT else "anchor"
        counts = f"r.course_id IN ({_ints(courses[req.pk])}) AND r.completed_on >= sc.{base}"
        sql.add(f", MAX(CASE WHEN {counts} THEN r.completed_on END) AS last_{i}")
        if req.trigger == Trigger.PER_FISCAL_YEAR:
            current = period_of(as_of, req.times_per_year)
            previous = previous_period(current)
            sql.add(
                f", MAX(CASE WHEN {counts} AND r.completed_on >= %s THEN 1 ELSE 0 END) AS done_c_{i}"
                f", MAX(CASE WHEN {counts} AND r.completed_on >= %s AND r.completed_on <= %s THEN 1 ELSE 0 END) "
                f"AS done_p_{i}",
                current.start,
                previous.start,
                previous.end,
            )
    sql.add(
        f" FROM sc_{k} sc JOIN training_record r ON r.person_id = sc.person_id AND r.completed_on >= sc.anchor "
        f"WHERE r.municipality_id = {municipality_id} AND r.course_id IN ({_ints(all_courses)}) "
        f"AND r.result IN ({','.join(['%s'] * len(COMPLETING_RESULTS))}) AND r.completed_on <= %s "
        "GROUP BY sc.person_id)",
        *COMPLETING_RESULTS,
        as_of,
    )


def _requirement_select(sql: _Sql, i: int, k: int, req: Requirement, as_of: dt.date) -> None:
    """Append the SELECT of one requirement's rows (in-scope people only).

    Deadlines fall on 開庁日: a nominal deadline ``n`` is met on ``next_office_day(n)``, which is on or after D
    exactly when ``n`` is after the last 開庁日 before D. So the SQL compares nominal dates with that day + 1
    (``dn_t``) instead of D, and the rows show ``next_office_day`` of the nominal deadline."""
    threshold = previous_office_day(as_of - dt.timedelta(days=1)) + dt.timedelta(days=1)
    dn_t = day_number(threshold)
    base = "sc.latest" if req.trigger == Trigger.ON_ASSIGNMENT else "sc.anchor"
    untrained = "0"
    params: list[Any]
    if req.trigger in (Trigger.INITIAL, Trigger.ON_ASSIGNMENT):
        window = int(req.within_days) + int(req.grace_days)
        status = (
            f"CASE WHEN lc.last_{i} IS NOT NULL THEN 'done' WHEN {_dn(base)} + {window} >= {dn_t} THEN 'pending' "
            "ELSE 'overdue' END"
        )
        due = f"CASE WHEN lc.last_{i} IS NULL THEN {_dn(base)} + {window} END"  # none once met
        params = []
        if req.trigger == Trigger.INITIAL:
            untrained = f"CASE WHEN lc.last_{i} IS NULL THEN 1 ELSE 0 END"
    elif req.trigger == Trigger.EVERY_MONTHS:
        months = int(req.every_months)
        holds_after = latest_with_months_not_after(as_of, months)
        open_after = latest_with_months_not_after(threshold - dt.timedelta(days=int(req.grace_days) + 1), months)
        status = (
            f"CASE WHEN lc.last_{i} > %s THEN 'done' WHEN COALESCE(lc.last_{i}, sc.anchor) > %s THEN 'pending' "
            "ELSE 'overdue' END"
        )
        params = [holds_after, open_after]
        due = f"{_dn(_add_months(f'COALESCE(lc.last_{i}, sc.anchor)', months))} + {int(req.grace_days)}"
    else:
        grace = int(req.grace_days)
        current = period_of(as_of, req.times_per_year)
        previous = previous_period(current)
        following = next_period(current)
        previous_missed = f"sc.anchor <= %s AND COALESCE(lc.done_p_{i}, 0) = 0"
        past_deadline = "1 = 1" if dn_t > day_number(previous.end) + grace else "1 = 0"
        status = (
            f"CASE WHEN COALESCE(lc.done_c_{i}, 0) = 1 THEN 'done' WHEN {previous_missed} AND {past_deadline} "
            "THEN 'overdue' ELSE 'pending' END"
        )
        due = (
            f"CASE WHEN COALESCE(lc.done_c_{i}, 0) = 1 THEN {day_number(following.end) + grace} "
            f"WHEN {previous_missed} THEN {day_number(previous.end) + grace} ELSE {day_number(current.end) + grace} END"
        )
        params = [previous.end, previous.end]
    # Parameter order follows the text: status, then due.
    sql.add(
        f"SELECT {int(req.pk)} AS requirement_id, sc.person_id AS person_id, {status} AS status, "
        f"{_dn('sc.anchor')} AS anchor_dn, {_dn(base)} AS base_dn, {_dn(f'lc.last_{i}')} AS last_dn, "
        f"{due} AS due_dn, {untrained} AS untrained, sc.employment_type AS employment_type "
        f"FROM sc_{k} sc LEFT JOIN lc_{k} lc ON lc.person_id = sc.person_id",
        *params,
    )
    people, people_params = _person_conditions(req)
    if people:
        sql.add(f" WHERE {people}", *people_params)


def _statement(
    requirements: Sequence[Requirement], as_of: dt.date, person_sql: str = "", person_params: Sequence[Any] = ()
) -> _Sql:
    courses = _course_ids(requirements)
    # Requirements whose scope is the same (e.g. an initial and an on-assignment course for the same staff) share
    # one stint computation: it is the costly part (a window over every in-scope assignment).
    scopes: dict[tuple[Any, ...], int] = {}
    scope_of: list[int] = []
    sql = _Sql()
    sql.add("WITH ")
    for req in requirements:
        scope = _scope(req)
        if scope not in scopes:
            scopes[scope] = len(scopes)
            _scope_ctes(sql, scopes[scope], req, scope[2], as_of, person_sql, list(person_params))
            sql.add(", ")
        scope_of.append(scopes[scope])
    for k in range(len(scopes)):
        if k:
            sql.add(", ")
        _completions_cte(sql, k, [(i, req) for i, req in enumerate(requirements) if scope_of[i] == k], courses, as_of)
    sql.add(" ")
    for i, req in enumerate(requirements):
        if i:
            sql.add(" UNION ALL ")
        _requirement_select(sql, i, scope_of[i], req, as_of)
    return sql


def statement(requirements: Sequence[Requirement], as_of: dt.date) -> tuple[str, list[Any]]:
    """The statement of every in-scope person × requirement (columns: requirement_id, person_id, status,
    anchor_dn, base_dn, last_dn, due_dn, untrained, employment_type) and its parameters, to aggregate over."""
    sql = _statement(requirements, as_of)
    return sql.text(), list(sql.params)


def _course_ids(requirements: Sequence[Requirement]) -> dict[int, list[int]]:
    through = Requirement.courses.through
    ids: dict[int, list[int]] = defaultdict(list)
    for req_id, course_id in through.objects.filter(requirement_id__in=[r.pk for r in requirements]).values_list(
        "requirement_id", "course_id"
    ):
        ids[req_id].append(course_id)
    return ids


def active_requirements(municipality: Municipality | int) -> list[Requirement]:
    return list(
        Requirement.objects.for_municipality(municipality).filter(is_active=True).select_related("unit").order_by("id")
    )


def _person_filter(
    as_of: dt.date, unit_ids: Sequence[int] | None, person_ids: Sequence[int] | None
) -> tuple[str, list[Any]]:
    """SQL selecting the people to compute for: those with an assignment in ``unit_ids`` on the day, and/or ids."""
    if unit_ids is not None:
        text = (
            "SELECT x.person_id FROM tenancy_assignment x "
            f"WHERE x.unit_id IN ({_ints(unit_ids)}) AND x.start_date <= %s "
            "AND (x.end_date IS NULL OR x.end_date >= %s)"
        )
        params: list[Any] = [as_of, as_of]
        if person_ids is not None:
            text += f" AND x.person_id IN ({_ints(person_ids)})"
        return text, params
    if person_ids is not None:
        return f"SELECT y.id FROM tenancy_person y WHERE y.id IN ({_ints(person_ids)})", []
    return "", []


def _filtered(
    requirements: Sequence[Requirement],
    as_of: dt.date,
    *,
    unit_ids: Sequence[int] | None,
    person_ids: Sequence[int] | None,
    statuses: Sequence[str] | None,
    untrained_only: bool,
    ordered: bool = True,
) -> tuple[str, list[Any]]:
    """The statement narrowed in the database to ``statuses`` / untrained people, earliest base day first (unless
    not ``ordered``: the caller orders)."""
    person_sql, person_params = _person_filter(as_of, unit_ids, person_ids)
    sql = _statement(requirements, as_of, person_sql, person_params)
    text, params = sql.text(), list(sql.params)
    conditions = ["1 = 1"]
    if statuses is not None:
        conditions.append(f"t.status IN ({','.join(['%s'] * len(statuses))})")
        params.extend(statuses)
    if untrained_only:
        conditions.append("t.untrained = 1")
    order = " ORDER BY t.base_dn, t.person_id" if ordered else ""
    return f"SELECT * FROM ({text}) t WHERE {' AND '.join(conditions)}{order}", params


def status_rows(
    *,
    requirements: Sequence[Requirement],
    as_of: dt.date,
    unit_ids: Sequence[int] | None = None,
    person_ids: Sequence[int] | None = None,
    statuses: Sequence[str] | None = None,
    untrained_only: bool = False,
    limit: int | None = None,
) -> list[Row]:
    """One row per in-scope person × requirement (people out of scope are 対象外 and have no row).

    ``statuses``, ``untrained_only`` and ``limit`` filter in the database (earliest due date first). Every date,
    the deadline included, comes computed from the statement (the deadline: the next one for periodic kinds, none
    once a one-off requirement is met).
    """
    if not requirements:
        return []
    text, params = _filtered(
        requirements, as_of, unit_ids=unit_ids, person_ids=person_ids, statuses=statuses, untrained_only=untrained_only
    )
    if limit is not None:
        text += f" LIMIT {int(limit)}"
    day = from_day_number
    with connection.cursor() as cursor:
        cursor.execute(text, params)
        return [
            Row(
                requirement_id=req_id,
                person_id=person_id,
                status=status,
                anchor=day(anchor_dn),
                base=day(base_dn),
                last_completed=None if last_dn is None else day(last_dn),
                due=None if due_dn is None else next_office_day(day(due_dn)),
                untrained_access=bool(untrained),
            )
            for req_id, person_id, status, anchor_dn, base_dn, last_dn, due_dn, untrained, _ in cursor.fetchall()
        ]


class Who(NamedTuple):
    """One line of a "who" list (e.g. everyone overdue): the person, their current unit, and the deadline."""

    requirement_id: int
    person_id: int
    staff_number: str
    name: str
    unit_id: int | None
    status: str
    due: dt.date | None
    last_completed: dt.date | None
    untrained_access: bool


def who(
    *,
    requirements: Sequence[Requirement],
    as_of: dt.date,
    statuses: Sequence[str] | None = None,
    unit_ids: Sequence[int] | None = None,
    current_units: Sequence[int] | None = None,
    due_until: dt.date | None = None,
    untrained_only: bool = False,
    limit: int | None = None,
    offset: int = 0,
    chunk: int = 2000,
) -> Iterator[Who]:
    """The people × requirements in ``statuses`` (or untrained with access), earliest base day first, streamed
    from one statement through a server-side cursor on PostgreSQL (memory does not grow with the list): status,
    deadline (periods and month arithmetic included) and the current unit (as :func:`group_counts`) all come from
    the database. With ``unit_ids``, the people assigned to those units on the day (any of them); with
    ``current_units``, those whose current unit is one of them; with ``due_until``, deadlines on or before it.

    Each line costs Python one tuple and two date conversions (the 開庁日 of a deadline is looked up once per day).
    """
    if not requirements:
        return
    text, params = _filtered(
        requirements,
        as_of,
        unit_ids=unit_ids,
        person_ids=None,
        statuses=statuses,
        untrained_only=untrained_only,
        ordered=False,
    )
    where = ["1 = 1"]
    if current_units is not None:
        where.append(f"v.unit_id IN ({_ints(current_units)})")
    if due_until is not None:
        # met on next_office_day(nominal) <= due_until  ⟺  nominal <= the last 開庁日 on or before due_until
        where.append(f"v.due_dn <= {day_number(previous_office_day(due_until))}")
    if connection.vendor == "postgresql":
        # One pass over the day's assignments (DISTINCT ON), hash-joined: a long list (400k lines) spent seconds
        # in one index lookup per line. Assignments carry their person's municipality, as the engine assumes.
        day = f"'{as_of.isoformat()}'"
        unit, current = (
            "cu.unit_id",
            "LEFT JOIN (SELECT DISTINCT ON (x.person_id) x.person_id, x.unit_id FROM tenancy_assignment x "
            f"WHERE x.municipality_id IN ({_ints({int(r.municipality_id) for r in requirements})}) "
            f"AND x.start_date <= {day} AND (x.end_date IS NULL OR x.end_date >= {day}) "
            "ORDER BY x.person_id, x.start_date DESC, x.id DESC) cu ON cu.person_id = w.person_id ",
        )
    else:
        unit, current = current_unit_of("w.person_id", as_of), ""
    text = (
        "SELECT v.requirement_id, v.person_id, v.staff_number, v.name, v.unit_id, v.status, v.due_dn, v.last_dn, "
        f"v.untrained FROM (SELECT w.requirement_id, w.person_id, p.staff_number, p.name, {unit} AS unit_id, "
        f"w.status, w.due_dn, w.last_dn, w.untrained, w.base_dn FROM ({text}) w "
        f"JOIN tenancy_person p ON p.id = w.person_id {current}) v WHERE {' AND '.join(where)} "
        "ORDER BY v.base_dn, v.person_id, v.requirement_id"
    )
    if limit is not None:
        text += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    epoch = EPOCH.toordinal()
    fromordinal = dt.date.fromordinal
    make = Who._make
    office_days: dict[int, dt.date] = {}  # nominal day number → the 開庁日 it is met on (few distinct values)

    def office_day(dn: int) -> dt.date:
        day = office_days.get(dn)
        if day is None:
            day = office_days[dn] = next_office_day(fromordinal(dn + epoch))
        return day

    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A cursor's plan is tuned for the first 10% of its rows by default (nested loops): this statement is
            # read to the end, so plan it as the whole query it is (100k pairs took 77 s instead of about 1).
            with connection.cursor() as setting:
                setting.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        with connection.chunked_cursor() as cursor:
            cursor.execute(text, params)
            while batch := cursor.fetchmany(chunk):
                for r, person, number, name, unit, status, due_dn, last_dn, untrained in batch:
                    yield make(
                        (
                            r,
                            person,
                            number,
                            name,
                            unit,
                            status,
                            None if due_dn is None else office_day(due_dn),
                            None if last_dn is None else fromordinal(last_dn + epoch),
                            untrained == 1,
                        )
                    )


def status_counts(*, requirements: Sequence[Requirement], as_of: dt.date, population: int) -> dict[int, Counter[str]]:
    """Per requirement, the number of people in each status; 対象外 = ``population`` minus those in scope."""
    counts: dict[int, Counter[str]] = {r.pk: Counter() for r in requirements}
    if not requirements:
        return counts
    sql = _statement(requirements, as_of)
    text = f"SELECT requirement_id, status, COUNT(*) FROM ({sql.text()}) t GROUP BY requirement_id, status"
    with connection.cursor() as cursor:
        cursor.execute(text, sql.params)
        for req_id, status, n in cursor.fetchall():
            counts[req_id][status] = n
    for counter in counts.values():
        counter[Status.NOT_APPLICABLE] = population - sum(counter.values())
    return counts


def current_unit_of(person: str, as_of: dt.date) -> str:
    """SQL for the current unit of the person whose id is the expression ``person`` (as ``CURRENT_UNIT_SQL``): one
    index lookup per row, whatever the planner estimates (a join with the whole-table window was planned as a
    nested loop re-reading every assignment per row when the estimates were low: a minute for 40k lines)."""
    day = f"'{as_of.isoformat()}'"
    return (
        f"(SELECT x.unit_id FROM tenancy_assignment x WHERE x.person_id = {person} AND x.start_date <= {day} "
        f"AND (x.end_date IS NULL OR x.end_date >= {day}) ORDER BY x.start_date DESC, x.id DESC LIMIT 1)"
    )


# Each person's current unit on the day (two parameters: the day twice): the unit of their latest assignment active
# on it, whatever the unit (in scope or not).
CURRENT_UNIT_SQL = (
    "SELECT person_id, unit_id FROM (SELECT x.person_id, x.unit_id, ROW_NUMBER() OVER "
    "(PARTITION BY x.person_id ORDER BY x.start_date DESC, x.id DESC) AS rn FROM tenancy_assignment x "
    "WHERE x.start_date <= %s AND (x.end_date IS NULL OR x.end_date >= %s)) z WHERE rn = 1"
)


@dataclass(frozen=True)
class GroupCount:
    requirement_id: int
    unit_id: int | None
    employment_type: str
    status: str
    count: int


def group_counts(*, requirements: Sequence[Requirement], as_of: dt.date) -> list[GroupCount]:
    """In-scope counts by requirement × current unit × employment type × status, in one statement.

    The current unit is the unit of the person's latest assignment active on the day.
    """
    if not requirements:
        return []
    sql = _statement(requirements, as_of)
    text = (
        "SELECT t.requirement_id, cu.unit_id, t.employment_type, t.status, COUNT(*) "
        f"FROM ({sql.text()}) t "
        f"LEFT JOIN ({CURRENT_UNIT_SQL}) cu ON cu.person_id = t.person_id "
        "GROUP BY t.requirement_id, cu.unit_id, t.employment_type, t.status"
    )
    with connection.cursor() as cursor:
        cursor.execute(text, [*sql.params, as_of, as_of])
        return [GroupCount(*row) for row in cursor.fetchall()]


def municipality_counts(
    municipality: Municipality, as_of: dt.date
) -> tuple[list[Requirement], dict[int, Counter[str]]]:
    """The active requirements of a municipality and, for each, the count of people per status on ``as_of``."""
    from piaops.tenancy.models import Person

    requirements = active_requirements(municipality)
    population = Person.objects.for_municipality(municipality).count()
    return requirements, status_counts(requirements=requirements, as_of=as_of, population=population)
