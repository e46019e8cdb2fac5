"""Reminders of training due dates for ``piaops remind`` (see :mod:`piaops.core.reminders`).

For every person in scope of an active requirement: one reminder from ``BEFORE_DAYS`` days before the deadline
while not yet trained (to the person), and one once overdue (to the person and the 所属長 of their unit and the
units above). Keys carry the deadline, so a new cycle (next period, new assignment) reminds again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator

from django.urls import reverse

from piaops.core.reminders import Deadline, Reminder, Summary, pk_path
from piaops.tenancy.models import Assignment, Municipality, OrgUnit, Person, Role, RoleGrant
from piaops.training.compliance import Status, active_requirements, status_rows
from piaops.training.snapshot import REMIND_BEFORE_DAYS, snapshot

BEFORE_DAYS = REMIND_BEFORE_DAYS


def collect(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterable[Reminder]:
    """Training reminders (of one municipality when given; with ``unit_ids``, of the people whose current unit
    is one of them — the SQL only computes people assigned to those units on the day)."""
    municipalities = Municipality.objects.order_by("pk")
    if municipality_id is not None:
        municipalities = municipalities.filter(pk=municipality_id)
    wanted = None if unit_ids is None else sorted(set(unit_ids))
    for municipality in municipalities:
        yield from _for_municipality(municipality, today, wanted)


def summaries(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> list[Summary]:
    """The home page's lines: the number of *people* overdue on at least one requirement, and of people with a
    deadline within ``BEFORE_DAYS`` days — those ``collect`` would remind — from the day's cached snapshot (one
    query), each linking to the list it counts. With ``unit_ids``, people whose current unit is one of them."""
    if municipality_id is None or (unit_ids is not None and not unit_ids):
        return []
    counts = snapshot(municipality_id, today)
    wanted = None if unit_ids is None else set(unit_ids)
    who = reverse("training:who")
    lines = []
    overdue, soon = counts.overdue_people(wanted), counts.due_soon_people(wanted)
    if overdue:
        lines.append(Summary("研修の期限超過", overdue, "名", f"{who}?show=overdue", overdue=True))
    if soon:
        lines.append(Summary(f"研修の受講期限が{BEFORE_DAYS}日以内", soon, "名", f"{who}?show=soon"))
    return lines


def _for_municipality(municipality: Municipality, today: dt.date, unit_ids: list[int] | None) -> Iterable[Reminder]:
    if unit_ids is not None and not unit_ids:
        return
    requirements = active_requirements(municipality)
    if not requirements:
        return
    due_rows = status_rows(
        requirements=requirements, as_of=today, unit_ids=unit_ids, statuses=[Status.PENDING, Status.OVERDUE]
    )
    rows = [
        r
        for r in due_rows
        if r.status == Status.OVERDUE or (r.due is not None and r.due - dt.timedelta(days=BEFORE_DAYS) <= today)
    ]
    if not rows:
        return
    ids = {r.person_id for r in rows}
    people = {p.pk: p for p in Person.objects.for_municipality(municipality).filter(pk__in=ids)}
    current_unit: dict[int, int] = {}
    for person_id, unit_id in (
        Assignment.objects.on(today)
        .filter(municipality=municipality, person_id__in=ids)
        .order_by("start_date", "id")
        .values_list("person_id", "unit_id")
    ):
        current_unit[person_id] = unit_id  # the latest start wins
    paths = dict(OrgUnit.objects.for_municipality(municipality).values_list("pk", "path"))
    heads: dict[str, list[str]] = defaultdict(list)  # unit path → e-mail of its 所属長
    for path, email in (
        RoleGrant.objects.for_municipality(municipality)
        .filter(role=Role.UNIT_HEAD, unit__isnull=False)
        .values_list("unit__path", "user__email")
    ):
        if email:
            heads[path].append(email)
    by_id = {r.pk: r for r in requirements}
    in_units = None if unit_ids is None else set(unit_ids)
    person_path = pk_path("training:person")
    for row in rows:
        person, req = people[row.person_id], by_id[row.requirement_id]
        unit_id = current_unit.get(row.person_id)
        if in_units is not None and unit_id not in in_units:
            continue  # assigned to one of the units too, but their current unit is elsewhere
        own = (person.email,) if person.email else ()
        due = row.due.isoformat() if row.due else ""
        url = person_path(person.pk)
        if row.status == Status.OVERDUE:
            unit_path = paths.get(unit_id or 0, "")
            chiefs = sorted({e for path, emails in heads.items() if unit_path.startswith(path) for e in emails})
            yield Reminder(
                key=f"training:{req.pk}:{person.pk}:{due}:overdue",
                municipality_id=municipality.pk,
                recipients=tuple(dict.fromkeys(own + tuple(chiefs))),
                subject=f"【研修の期限超過】{req.name}（{person.name}）",
                body=(
                    f"{person.name}（職員番号 {person.staff_number}）さんの「{req.name}」が期限（{due}）を過ぎても"
                    "受講されていません。\n速やかに受講し、受講記録を登録してください。\n"
                    f"要件：{req.timing_text()}\n"
                ),
                url=url,
                unit_id=unit_id,
                overdue=True,
            )
        else:
            yield Reminder(
                key=f"training:{req.pk}:{person.pk}:{due}:before-{BEFORE_DAYS}",
                municipality_id=municipality.pk,
                recipients=own,
                subject=f"【研修の受講期限が近づいています】{req.name}（期限 {due}）",
                body=(
                    f"{person.name}（職員番号 {person.staff_number}）さん\n"
                    f"「{req.name}」の受講期限は {due} です。期限までに受講してください。\n"
                    f"要件：{req.timing_text()}\n"
                ),
                url=url,
                unit_id=unit_id,
            )


def deadlines(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Deadline]:
    """Training due dates of people not yet trained: one event per requirement and due date with the number of
    people (one per person would drown a 所属長's calendar); with ``unit_ids``, people whose current unit is one of
    them."""
    municipalities = Municipality.objects.order_by("pk")
    if municipality_id is not None:
        municipalities = municipalities.filter(pk=municipality_id)
    wanted = None if unit_ids is None else sorted(set(unit_ids))
    index = reverse("training:index")
    for municipality in municipalities:
        if wanted is not None and not wanted:
            return
        requirements = active_requirements(municipality)
        rows = status_rows(
            requirements=requirements, as_of=today, unit_ids=wanted, statuses=[Status.PENDING, Status.OVERDUE]
        )
        if wanted is not None and rows:
            in_units = set(wanted)
            current_unit: dict[int, int] = {}
            for person_id, unit_id in (
                Assignment.objects.on(today)
                .filter(municipality=municipality, person_id__in={r.person_id for r in rows})
                .order_by("start_date", "id")
                .values_list("person_id", "unit_id")
            ):
                current_unit[person_id] = unit_id  # the latest start wins
            rows = [r for r in rows if current_unit.get(r.person_id) in in_units]
        counts = Counter((r.requirement_id, r.due) for r in rows if r.due is not None)
        by_id = {r.pk: r for r in requirements}
        for (req_id, due), n in sorted(counts.items(), key=lambda item: (item[0][1], item[0][0])):
            req = by_id[req_id]
            yield Deadline(
                uid=f"training-{req.pk}-{due.isoformat()}",
                municipality_id=municipality.pk,
                start=due,
                summary=f"【研修】受講期限：{req.name}（未受講 {n}名）",
                description=f"要件：{req.timing_text()}",
                url=index,
            )
