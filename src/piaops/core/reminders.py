"""Reminders: what ``piaops remind`` (run daily by cron or a systemd timer) sends.

Each domain app that has deadlines provides a module ``piaops.<app>.reminders`` with
``collect(*, today: date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None)
-> Iterable[Reminder]``: every reminder that is due *today or earlier and not yet resolved*. The filters are
pushed into the app's queries: ``municipality_id`` keeps one tenant's reminders, ``unit_ids`` only those whose
``unit_id`` is one of them (a reminder without a unit is then left out); ``None`` means all (``piaops remind``).
The command sends each one whose ``key`` has not been sent before and records it; a failed send is retried on
the next run. So ``collect`` never needs to remember what it sent: a stable ``key`` is enough.

A source whose reminders grow with the head count (training: one per person × requirement) also provides
``summaries(*, today, municipality_id, unit_ids) -> Iterable[Summary]`` with the same filters: a few counted lines
(「研修の期限超過 324名」 with a link to the filtered list). The home page shows those instead of the source's
reminders, so its cost does not grow with the number of people (``collect_home``).

The same module may also provide ``deadlines(*, today, municipality_id=None, unit_ids=None) -> Iterable[Deadline]``
with the same filters: every *unresolved* deadline, whatever its date (a reminder exists only from a few days
before it; a calendar shows it all the time). The iCalendar feed (``piaops.calendarfeed``) reads them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from types import ModuleType
from typing import TYPE_CHECKING

from django.urls import reverse

if TYPE_CHECKING:
    from piaops.tenancy.access import Requester
    from piaops.tenancy.models import OrgUnit

REMINDER_SOURCES = [
    "piaops.selfcheck.reminders",
    "piaops.findings.reminders",
    "piaops.audits.reminders",
    "piaops.training.reminders",
    "piaops.assurance.reminders",
    "piaops.incidents.reminders",
    "piaops.assessments.reminders",
    "piaops.reviews.reminders",
]


_PK_MARK = 987654321987  # an id no table reaches, replaced by the real one in pk_path's result


def pk_path(viewname: str) -> Callable[[int], str]:
    """``pk -> reverse(viewname, args=[pk])`` with a single ``reverse()``: a page lists hundreds of reminders and
    resolving the pattern per row cost more than building the rows. Call it once per ``collect`` (not at import:
    the script prefix belongs to the request)."""
    head, mark, tail = reverse(viewname, args=[_PK_MARK]).partition(str(_PK_MARK))
    if not mark or str(_PK_MARK) in tail:  # a pattern that does not echo the id once: resolve each time
        return lambda pk: reverse(viewname, args=[pk])
    return lambda pk: f"{head}{int(pk)}{tail}"


@dataclass(frozen=True)
class Reminder:
    key: str  # stable and unique, e.g. "selfcheck:checklist:42:before-3" — sent at most once
    municipality_id: int
    recipients: tuple[str, ...]  # e-mail addresses (may be empty: then it only shows on the home page)
    subject: str  # Japanese
    body: str  # Japanese, plain text
    url: str = ""  # path of the page to act on
    unit_id: int | None = None  # shown on this unit's home page (and its subtree's 所属長)
    overdue: bool = False


@dataclass(frozen=True)
class Summary:
    """One counted line of the home page, e.g. 「研修の期限超過 324名」, linking to the list it counts."""

    label: str  # Japanese
    count: int
    counter: str  # 名, 件
    url: str
    overdue: bool = False


@dataclass(frozen=True)
class Deadline:
    uid: str  # stable per object and kind (not per date): a moved deadline updates the same calendar event
    municipality_id: int
    start: date
    summary: str  # Japanese
    url: str = ""  # path of the page to act on
    unit_id: int | None = None
    end: date | None = None  # last day (inclusive) of a span, e.g. an audit's planned days
    description: str = ""


def _sources() -> list[ModuleType]:
    import importlib

    modules: list[ModuleType] = []
    for name in REMINDER_SOURCES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:  # the app has no reminders (yet) when the module itself is missing
                raise
    return modules


def collect_deadlines(
    *, today: date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> list[Deadline]:
    """Every unresolved deadline of every source that has ``deadlines`` (filtered as ``collect_all`` is)."""
    found: list[Deadline] = []
    for module in _sources():
        source = getattr(module, "deadlines", None)
        if source is not None:
            found.extend(source(today=today, municipality_id=municipality_id, unit_ids=unit_ids))
    return found


def collect_all(
    *, today: date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> list[Reminder]:
    """Every due reminder of every source module that exists (later modules plug in by existing), filtered as
    each ``collect`` filters (see the module docstring)."""
    found: list[Reminder] = []
    for module in _sources():
        found.extend(module.collect(today=today, municipality_id=municipality_id, unit_ids=unit_ids))
    return found


def collect_home(
    *, today: date, municipality_id: int, unit_ids: Collection[int] | None = None
) -> tuple[list[Summary], list[Reminder]]:
    """What the home page shows: counted lines from the sources that have ``summaries``, and the reminders of the
    others (filtered as ``collect_all`` is)."""
    summaries: list[Summary] = []
    found: list[Reminder] = []
    for module in _sources():
        summarise = getattr(module, "summaries", None)
        if summarise is not None:
            summaries.extend(summarise(today=today, municipality_id=municipality_id, unit_ids=unit_ids))
        else:
            found.extend(module.collect(today=today, municipality_id=municipality_id, unit_ids=unit_ids))
    return summaries, found


def reminder_scope(user: Requester) -> tuple[int, list[int] | None] | None:
    """Which reminders concern ``user``: (municipality id, unit ids or None for the whole municipality).

    The 番号制度総括管理者 sees the whole municipality; a unit role its grants' subtrees; anyone else (and a user
    of no municipality) nothing — None.
    """
    from django.db.models import Q

    from piaops.tenancy import access
    from piaops.tenancy.models import OrgUnit

    municipality_id = getattr(user, "municipality_id", None)
    if municipality_id is None:
        return None
    if access.has_perm_somewhere(user, access.Perm.MANAGE):
        return municipality_id, None
    grant_paths = {g.unit.path for g in access.grants(user) if g.role in access.UNIT_ROLES and g.unit is not None}
    if not grant_paths:
        return None
    condition = Q(pk__in=[])
    for path in grant_paths:
        condition |= Q(path__startswith=path)
    units = OrgUnit.objects.filter(condition, municipality_id=municipality_id).values_list("pk", flat=True)
    return municipality_id, sorted(units)


def unit_recipients(municipality_ids: set[int]) -> dict[int, list[tuple[str, str]]]:
    """Per municipality: (unit path, e-mail) of every active 所属長・所属担当者 with an address (the user's own
    address, else their person's); pass each list to :func:`addresses_for` to address one unit's reminder."""
    from piaops.tenancy.models import Role, RoleGrant

    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    grants = RoleGrant.objects.filter(
        municipality_id__in=municipality_ids,
        role__in=[Role.UNIT_HEAD, Role.UNIT_STAFF],
        user__is_active=True,
        unit__isnull=False,
    ).select_related("unit", "user", "user__person")
    for g in grants:
        email = g.user.email or (g.user.person.email if g.user.person else "")
        if email and g.unit is not None:
            found[g.municipality_id].append((g.unit.path, email))
    return found


def admin_addresses(municipality_ids: Collection[int]) -> dict[int, tuple[str, ...]]:
    """Per municipality: the sorted addresses of its active 番号制度総括管理者 (the user's own address, else their
    person's, as for the units); a municipality without any maps to ()."""
    from piaops.tenancy.models import Role, RoleGrant

    found: dict[int, set[str]] = defaultdict(set)
    grants = RoleGrant.objects.filter(
        municipality_id__in=list(municipality_ids), role=Role.ADMIN, user__is_active=True
    ).values_list("municipality_id", "user__email", "user__person__email")
    for municipality_id, own, person in grants:
        if own or person:
            found[municipality_id].add(own or person)
    return defaultdict(tuple, {m: tuple(sorted(v)) for m, v in found.items()})


def addresses_for(unit: OrgUnit, recipients: list[tuple[str, str]], fallback: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The sorted, distinct addresses of ``recipients`` whose grant covers ``unit`` (its own unit or one above);
    ``fallback`` (the 番号制度総括管理者, who chase a unit that piaops cannot reach) when there is none."""
    return tuple(sorted({email for path, email in recipients if unit.path.startswith(path)})) or fallback
