"""Reminders: what ``piaops remind`` (run daily by cron or a systemd timer) sends.

Each domain app that has deadlines provides a module ``piaops.<app>.reminders`` — a :class:`ReminderSource` — with
``collect(*, today, municipality_id=None, unit_ids=None) -> Iterable[Reminder]``: every reminder that is due *today
or earlier and not yet resolved*. The filters are pushed into the app's queries (:func:`scoped_rows`):
``municipality_id`` keeps one tenant's reminders, ``unit_ids`` only those whose unit is one of them (a reminder
without a unit is then left out); ``None`` means all (``piaops remind``). The command sends each one whose ``key``
has not been sent before and records it; a failed send is retried on the next run. So ``collect`` never needs to
remember what it sent: a stable ``key`` is enough.

The same module provides ``deadlines(*, today, municipality_id=None, unit_ids=None) -> Iterable[Deadline]`` with the
same filters: every *unresolved* deadline, whatever its date (a reminder exists only from a few days before it; a
calendar shows it all the time). The iCalendar feed (``piaops.calendarfeed``) reads them.

A source whose reminders grow with the head count (training: one per person × requirement) is also a
:class:`SummarySource`: ``summaries(*, today, municipality_id, unit_ids) -> Iterable[Summary]`` with the same
filters, a few counted lines (「研修の期限超過 324名」 with a link to the filtered list). The home page shows those
instead of the source's reminders, so its cost does not grow with the number of people (``collect_home``).

The sources are listed by dotted name in ``REMINDER_SOURCES`` (the base imports no domain app) and loaded through
:func:`piaops.lib.registry.load_all`, which holds each to the protocol.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar, runtime_checkable

from django.db.models import QuerySet
from django.urls import reverse

from piaops.lib.registry import load_all

if TYPE_CHECKING:
    from piaops.tenancy.access import Requester
    from piaops.tenancy.models import OrgUnit

REMINDER_SOURCES: list[str] = [  # each a ReminderSource (loaded by ``sources``)
    "piaops.selfcheck.reminders",
    "piaops.findings.reminders",
    "piaops.audits.reminders",
    "piaops.training.reminders",
    "piaops.assurance.reminders",
    "piaops.incidents.reminders",
    "piaops.assessments.reminders",
    "piaops.reviews.reminders",
]

_Q = TypeVar("_Q", bound="QuerySet[Any]")
_R = TypeVar("_R")


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


@runtime_checkable
class ReminderSource(Protocol):
    """A ``piaops.<app>.reminders`` module (see the module docstring for the filters)."""

    def collect(
        self, *, today: date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
    ) -> Iterable[Reminder]:
        """Every due, unresolved reminder."""

    def deadlines(
        self, *, today: date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
    ) -> Iterable[Deadline]:
        """Every unresolved deadline, whatever its date."""


@runtime_checkable
class SummarySource(Protocol):
    """A source whose home-page lines are counts (``collect_home`` shows these instead of its reminders)."""

    def summaries(
        self, *, today: date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
    ) -> Iterable[Summary]:
        """A few counted lines in place of the reminders."""


@functools.cache
def sources() -> list[ReminderSource]:
    """The modules of ``REMINDER_SOURCES``, each held to :class:`ReminderSource` (loaded once)."""
    return load_all(REMINDER_SOURCES, ReminderSource)


def scoped_rows(
    qs: _Q, *, municipality_id: int | None, unit_ids: Collection[int] | None, unit: str | None = "unit"
) -> _Q:
    """``qs`` filtered as ``collect`` and ``deadlines`` filter (see the module docstring): of one municipality when
    ``municipality_id`` is given, and of those units when ``unit_ids`` is — ``unit`` is the path of the rows'
    OrgUnit foreign key (``"unit"``, ``"finding__unit"``, ``"reporting_unit"``); ``None`` for rows of no unit (the
    municipality's own, e.g. a contract), which a ``unit_ids`` filter leaves all out."""
    if municipality_id is not None:
        qs = qs.filter(municipality_id=municipality_id)
    if unit_ids is not None:
        qs = qs.filter(**{f"{unit}_id__in": list(unit_ids)}) if unit is not None else qs.none()
    return qs


class UnitAddresses:
    """Who a unit's reminder goes to: the active 所属長・所属担当者 whose grant covers the unit (its own or one
    above), else the 番号制度総括管理者 (who chase a unit that piaops cannot reach). Built once per ``collect`` for
    the municipalities of its rows (two queries), then asked per row."""

    def __init__(self, municipality_ids: Collection[int]) -> None:
        ids = set(municipality_ids)
        self._units = unit_recipients(ids)
        self._admins = admin_addresses(ids)

    def __call__(self, municipality_id: int, unit: OrgUnit) -> tuple[str, ...]:
        return addresses_for(unit, self._units[municipality_id], self._admins[municipality_id])

    def reminder(self, municipality_id: int, unit: OrgUnit, *, url: str) -> functools.partial[Reminder]:
        """A :class:`Reminder` with the fields of the unit's row filled in (municipality, recipients, unit, url);
        the caller adds ``key``, ``subject``, ``body`` and ``overdue``."""
        return functools.partial(
            Reminder, municipality_id=municipality_id, recipients=self(municipality_id, unit), url=url, unit_id=unit.pk
        )


def unit_rows(
    rows: Iterable[_R], *, unit: Callable[[_R], OrgUnit], url: Callable[[_R], str]
) -> Iterator[tuple[_R, functools.partial[Reminder]]]:
    """The common opening of a unit's reminders: each of ``rows`` with a :class:`Reminder` of its ``unit`` filled
    in (:meth:`UnitAddresses.reminder`, at the row's ``url``), the addresses read once for all the rows."""
    found = list(rows)
    addresses = UnitAddresses({unit(row).municipality_id for row in found})
    for row in found:
        where = unit(row)
        yield row, addresses.reminder(where.municipality_id, where, url=url(row))


def collect_deadlines(
    *, today: date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> list[Deadline]:
    """Every unresolved deadline of every source (filtered as ``collect_all`` is)."""
    return [d for s in sources() for d in s.deadlines(today=today, municipality_id=municipality_id, unit_ids=unit_ids)]


def collect_all(
    *, today: date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> list[Reminder]:
    """Every due reminder of every source, filtered as each ``collect`` filters (see the module docstring)."""
    return [r for s in sources() for r in s.collect(today=today, municipality_id=municipality_id, unit_ids=unit_ids)]


def collect_home(
    *, today: date, municipality_id: int, unit_ids: Collection[int] | None = None
) -> tuple[list[Summary], list[Reminder]]:
    """What the home page shows: counted lines from the sources that have ``summaries``, and the reminders of the
    others (filtered as ``collect_all`` is)."""
    summaries: list[Summary] = []
    found: list[Reminder] = []
    with shared_addresses():
        for source in sources():
            if isinstance(source, SummarySource):
                summaries.extend(source.summaries(today=today, municipality_id=municipality_id, unit_ids=unit_ids))
            else:
                found.extend(source.collect(today=today, municipality_id=municipality_id, unit_ids=unit_ids))
    return summaries, found


# Within ``shared_addresses``: the answers of recipient_grants by their municipalities.
_ADDRESSES: ContextVar[dict[tuple[str, frozenset[int]], Any] | None] = ContextVar("reminder_addresses", default=None)


@contextmanager
def shared_addresses() -> Iterator[None]:
    """Inside it, :func:`recipient_grants` (which :func:`unit_recipients`, :func:`admin_addresses` and the sources'
    own addressing read) reads each set of municipalities once: the sources of one page (``collect_home``) ask the
    same question each, in the same request. Nothing is kept
    beyond the block, so no write outside it can make an answer stale."""
    token = _ADDRESSES.set({})
    try:
        yield
    finally:
        _ADDRESSES.reset(token)


def _shared(kind: str, municipality_ids: Collection[int], read: Callable[[set[int]], _R]) -> _R:
    """``read(ids)``, or its answer already read inside the current :func:`shared_addresses` block."""
    ids = set(municipality_ids)
    memo = _ADDRESSES.get()
    if memo is None:
        return read(ids)
    key = (kind, frozenset(ids))
    if key not in memo:
        memo[key] = read(ids)
    return memo[key]  # type: ignore[no-any-return]


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


class RecipientGrant(NamedTuple):
    """One active user's grant that reminders are addressed by: its municipality, role, unit (path, whether it is the
    governance division) or party, and the user's address (their own, else their person's; "" when neither)."""

    municipality_id: int
    role: str
    unit_path: str | None
    unit_is_governance: bool | None
    party_id: int | None
    email: str


def recipient_grants(municipality_ids: Collection[int] | None) -> list[RecipientGrant]:
    """The grants of active users in roles that receive reminders (番号制度総括管理者, 所属長, 所属担当者, 事業者担当),
    of those municipalities (``None``: all): one statement, which every source's addressing reads (within
    :func:`shared_addresses` once per page, whichever sources ask)."""
    if municipality_ids is None:
        return _recipient_grants(None)
    return _shared("grants", municipality_ids, _recipient_grants)


def _recipient_grants(municipality_ids: set[int] | None) -> list[RecipientGrant]:
    from piaops.tenancy.models import Role, RoleGrant

    if municipality_ids is not None and not municipality_ids:
        return []
    grants = RoleGrant.objects.filter(
        role__in=[Role.ADMIN, Role.UNIT_HEAD, Role.UNIT_STAFF, Role.CONTRACTOR], user__is_active=True
    )
    if municipality_ids is not None:
        grants = grants.filter(municipality_id__in=sorted(municipality_ids))
    rows = grants.values_list(
        "municipality_id", "role", "unit__path", "unit__is_governance", "party_id", "user__email", "user__person__email"
    )
    return [
        RecipientGrant(m, role, path, governance, party, own or person or "")
        for m, role, path, governance, party, own, person in rows
    ]


def unit_recipients(municipality_ids: set[int]) -> dict[int, list[tuple[str, str]]]:
    """Per municipality: (unit path, e-mail) of every active 所属長・所属担当者 with an address (the user's own
    address, else their person's); pass each list to :func:`addresses_for` to address one unit's reminder."""
    from piaops.tenancy.models import Role

    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for g in recipient_grants(municipality_ids):
        if g.role in (Role.UNIT_HEAD, Role.UNIT_STAFF) and g.unit_path is not None and g.email:
            found[g.municipality_id].append((g.unit_path, g.email))
    return found


def admin_addresses(municipality_ids: Collection[int]) -> dict[int, tuple[str, ...]]:
    """Per municipality: the sorted addresses of its active 番号制度総括管理者 (the user's own address, else their
    person's, as for the units); a municipality without any maps to ()."""
    from piaops.tenancy.models import Role

    found: dict[int, set[str]] = defaultdict(set)
    for g in recipient_grants(municipality_ids):
        if g.role == Role.ADMIN and g.email:
            found[g.municipality_id].add(g.email)
    return defaultdict(tuple, {m: tuple(sorted(v)) for m, v in found.items()})


def addresses_for(unit: OrgUnit, recipients: list[tuple[str, str]], fallback: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The sorted, distinct addresses of ``recipients`` whose grant covers ``unit`` (its own unit or one above);
    ``fallback`` (the 番号制度総括管理者, who chase a unit that piaops cannot reach) when there is none."""
    return tuple(sorted({email for path, email in recipients if unit.path.startswith(path)})) or fallback
