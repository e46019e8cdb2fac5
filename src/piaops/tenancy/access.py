"""The one access helper: every read and write of a view or API operation is decided here.

Rules:
- Everything starts from the user's municipality. An object of another municipality does not exist for the
  caller: it answers 404, never 403, so ids cannot be probed.
- A user's rights are the union of their role grants. 所属長・所属担当者 grants hold for a unit *subtree*;
  事業者担当 grants for one party; the other roles for the whole municipality.
- A right the user lacks on an object they may see answers 403.
- Order: the object named in the URL is looked up in the user's municipality *before* the view's permission is
  held against the user, so another tenant's id answers 404 for every persona, a read-only one included (see
  ``tenant_object``; a view that names no object uses ``tenant_view``).

Each domain app names its capabilities in ``POLICY`` below (one table, so who-may-do-what reads in one place).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeAlias, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from piaops.tenancy.models import Municipality, OrgUnit, Role, RoleGrant, User

M = TypeVar("M", bound=models.Model)


class Perm(StrEnum):
    """Capabilities, named by what they allow. Each domain app uses its own and may add rows (with a test)."""

    VIEW = "view"  # see the tenant's master data (units, works, parties, assessment reports)
    VIEW_PEOPLE = "view_people"  # see people (unit roles: their subtree only)
    MANAGE = "manage"  # municipality, organisation, people, works, parties, users and roles, imports
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_ASSESSMENTS = "manage_assessments"  # import, refine and export assessment reports
    REVIEWS_VIEW = "reviews_view"  # see the yearly 見直し of the assessment reports (governance documents)
    SELFCHECK_MANAGE = "selfcheck_manage"  # templates, campaigns, review (accept / return)
    SELFCHECK_ANSWER = "selfcheck_answer"  # draft answers of a unit's checklist
    SELFCHECK_CERTIFY = "selfcheck_certify"  # submit a unit's checklist (所属長)
    AUDIT_MANAGE = "audit_manage"  # programme, approval, reports to the governance division
    AUDIT_PERFORM = "audit_perform"  # audit work, findings, verification of follow-ups
    FOLLOWUP_PROPOSE = "followup_propose"  # improvement plans and progress for a unit's findings
    TRAINING_MANAGE = "training_manage"  # courses, requirements, records, imports
    ASSURANCE_MANAGE = "assurance_manage"  # parties' contracts, obligations, ISMAP, responsibility matrix
    ASSURANCE_CONTRIBUTE = "assurance_contribute"  # a contractor submits evidence for their own party
    INCIDENT_MANAGE = "incident_manage"  # routing, PPC reports, closing
    INCIDENT_REPORT = "incident_report"  # record an incident and timeline entries
    AREA_MANAGE = "area_manage"  # server rooms, authorisations, door logs, monthly review sign-off
    AREA_SIGN_OFF = "area_sign_off"  # see and sign the monthly review of an area (所属長: of the managing unit)
    REPORTS_VIEW = "reports_view"  # dashboard and evidence reports (unit roles: their subtree)
    SELFCHECK_VIEW = "selfcheck_view"  # see campaigns and checklists (unit roles: their subtree)
    FINDINGS_VIEW = "findings_view"  # see findings and follow-ups (unit roles: their subtree)
    AUDIT_VIEW = "audit_view"  # see audit programmes, audits, reports and the Ⅳ-1② rating


ALL_ROLES: frozenset[Role] = frozenset(Role)
UNIT_ROLES: frozenset[Role] = frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF})
# Roles whose grants hold for part of the municipality only: a unit subtree, or one party (事業者担当).
SCOPED_ROLES: frozenset[Role] = UNIT_ROLES | {Role.CONTRACTOR}

POLICY: dict[Perm, frozenset[Role]] = {
    Perm.VIEW: ALL_ROLES,
    Perm.VIEW_PEOPLE: frozenset({Role.ADMIN, Role.AUDITOR, Role.VIEWER, Role.UNIT_HEAD, Role.UNIT_STAFF}),
    Perm.MANAGE: frozenset({Role.ADMIN}),
    Perm.VIEW_AUDIT_LOG: frozenset({Role.ADMIN, Role.AUDITOR}),
    Perm.MANAGE_ASSESSMENTS: frozenset({Role.ADMIN}),
    Perm.REVIEWS_VIEW: frozenset({Role.ADMIN, Role.AUDITOR, Role.VIEWER}),
    Perm.SELFCHECK_MANAGE: frozenset({Role.ADMIN}),
    Perm.SELFCHECK_ANSWER: UNIT_ROLES | {Role.ADMIN},
    Perm.SELFCHECK_CERTIFY: frozenset({Role.UNIT_HEAD, Role.ADMIN}),
    Perm.AUDIT_MANAGE: frozenset({Role.ADMIN}),
    Perm.AUDIT_PERFORM: frozenset({Role.AUDITOR}),
    Perm.FOLLOWUP_PROPOSE: frozenset({Role.UNIT_HEAD, Role.ADMIN}),
    Perm.TRAINING_MANAGE: frozenset({Role.ADMIN}),
    Perm.ASSURANCE_MANAGE: frozenset({Role.ADMIN}),
    Perm.ASSURANCE_CONTRIBUTE: frozenset({Role.CONTRACTOR, Role.ADMIN}),
    Perm.INCIDENT_MANAGE: frozenset({Role.ADMIN}),
    Perm.INCIDENT_REPORT: UNIT_ROLES | {Role.ADMIN, Role.CONTRACTOR},
    Perm.AREA_MANAGE: frozenset({Role.ADMIN}),
    Perm.AREA_SIGN_OFF: frozenset({Role.ADMIN, Role.UNIT_HEAD}),
    Perm.REPORTS_VIEW: frozenset({Role.ADMIN, Role.AUDITOR, Role.VIEWER, Role.UNIT_HEAD}),
    Perm.SELFCHECK_VIEW: frozenset({Role.ADMIN, Role.AUDITOR, Role.VIEWER, Role.UNIT_HEAD, Role.UNIT_STAFF}),
    Perm.FINDINGS_VIEW: frozenset({Role.ADMIN, Role.AUDITOR, Role.VIEWER, Role.UNIT_HEAD, Role.UNIT_STAFF}),
    Perm.AUDIT_VIEW: frozenset({Role.ADMIN, Role.AUDITOR, Role.VIEWER}),
}


# Who asks: the logged-in user (``request.user``), an anonymous visitor, or nobody (a command, the system).
# Only a user of a municipality holds anything; the others are answered "nothing" (or 404 by ``municipality_of``).
Requester: TypeAlias = User | AnonymousUser | None


def member(user: Requester) -> User | None:
    """``user`` when it is a logged-in user of a municipality, else None."""
    if isinstance(user, User) and user.is_authenticated and user.municipality_id is not None:
        return user
    return None


def grants(user: Requester) -> list[RoleGrant]:
    """The user's grants, loaded once per request (cached on the user object), each with its unit and party.

    The same statement reads the grants' municipality, which is the user's: every page draws its name (the header)
    and most views start from it (:func:`scoped`), so it is handed to ``user.municipality`` instead of being asked
    for again."""
    found = member(user)
    if found is None:
        return []
    cached: list[RoleGrant] | None = getattr(found, "_piaops_grants", None)
    if cached is None:
        cached = list(RoleGrant.objects.filter(user=found).select_related("unit", "party", "municipality"))
        found._piaops_grants = cached  # type: ignore[attr-defined]
        field = User._meta.get_field("municipality")
        if cached and not field.is_cached(found) and cached[0].municipality_id == found.municipality_id:
            field.set_cached_value(found, cached[0].municipality)
    return cached


def remember_grants(user: User, found: list[RoleGrant]) -> None:
    """Hand ``grants`` the user's grants (each with its unit) read along with something else: the API's token
    statement (``piaops.api.services.token_use``) reads them in the same round trip."""
    user._piaops_grants = found  # type: ignore[attr-defined]


def roles(user: Requester) -> set[str]:
    return {g.role for g in grants(user)}


def _covers(grant: RoleGrant, unit: OrgUnit | None) -> bool:
    if grant.role not in UNIT_ROLES:
        return True
    if unit is None or grant.unit is None:
        return unit is None  # a unit role answers municipality-wide questions only for listing
    return unit.path.startswith(grant.unit.path)


def has_perm(user: Requester, perm: Perm, *, unit: OrgUnit | None = None) -> bool:
    """Whether ``user`` holds ``perm``; with ``unit``, whether it holds it *for that unit*."""
    allowed = POLICY[perm]
    return any(g.role in allowed and _covers(g, unit) for g in grants(user))


def has_perm_somewhere(user: Requester, perm: Perm) -> bool:
    """Whether any grant gives ``perm``, whatever its scope (to show a menu or a list page)."""
    allowed = POLICY[perm]
    return any(g.role in allowed for g in grants(user))


def is_municipality_wide(user: Requester, perm: Perm) -> bool:
    """Whether ``user`` holds ``perm`` for the whole municipality: through a role that is neither a unit role nor
    事業者担当. The one answer to "does this user see every row?" (each app's ``visible_to`` asks it)."""
    allowed = POLICY[perm]
    return any(g.role in allowed and g.role not in SCOPED_ROLES for g in grants(user))


def unit_grants(user: Requester, perm: Perm) -> list[OrgUnit]:
    """The units whose subtrees a unit role gives ``perm`` for (empty for other roles)."""
    allowed = POLICY[perm]
    return [g.unit for g in grants(user) if g.role in allowed and g.role in UNIT_ROLES and g.unit is not None]


def party_grants(user: Requester) -> list[int]:
    """The parties a 事業者担当 grant ties ``user`` to (their own company's rows are what they see)."""
    return sorted({g.party_id for g in grants(user) if g.role == Role.CONTRACTOR and g.party_id is not None})


def in_unit_subtrees(user: Requester, perm: Perm, field: str = "unit") -> models.Q:
    """A filter for rows whose ``field`` (an OrgUnit foreign key) lies in the subtrees ``user`` holds ``perm`` for;
    matches nothing when there are none. ``visible_to`` of unit-scoped apps is ``wide or this``."""
    condition = models.Q(pk__in=[])
    for unit in unit_grants(user, perm):
        condition |= models.Q(**{f"{field}__path__startswith": unit.path})
    return condition


def require(user: Requester, perm: Perm, *, unit: OrgUnit | None = None) -> None:
    """403 unless ``user`` holds ``perm`` (for ``unit`` when given)."""
    if not (has_perm(user, perm, unit=unit) if unit is not None else has_perm_somewhere(user, perm)):
        raise PermissionDenied("この操作を行う権限がありません。")


def municipality_of(user: Requester) -> Municipality:
    """The user's municipality; 404 for anyone who is not a logged-in user of one.

    The grants are read first: every page reads them (the permission checks, the menu), and their statement brings
    the municipality along (:func:`grants`), so it costs no statement of its own."""
    found = member(user)
    if found is not None:
        grants(found)
    if found is None or found.municipality is None:
        raise Http404("団体に所属していない利用者です。")
    return found.municipality


def scoped(user: Requester, model_or_qs: type[M] | models.QuerySet[M]) -> models.QuerySet[M]:
    """The rows of the user's municipality: the start of every query a view makes."""
    qs = model_or_qs._default_manager.all() if isinstance(model_or_qs, type) else model_or_qs
    return qs.filter(municipality_id=municipality_of(user).pk)


def get_or_404(user: Requester, model_or_qs: type[M] | models.QuerySet[M], **lookup: Any) -> M:
    """One object of the user's municipality, or 404 (also for an id that exists in another municipality).
    For an object other than the one the URL names (that one comes from ``tenant_object``)."""
    try:
        return scoped(user, model_or_qs).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("見つかりません。") from exc


def visible_units(user: Requester) -> models.QuerySet[OrgUnit]:
    """Units the user may see people of (``Perm.VIEW_PEOPLE``): all for a municipality-wide holder, the granted
    subtrees for unit roles, none for anyone else."""
    qs = scoped(user, OrgUnit)
    if is_municipality_wide(user, Perm.VIEW_PEOPLE):
        return qs
    condition = models.Q(pk__in=[])
    for unit in unit_grants(user, Perm.VIEW_PEOPLE):
        condition |= models.Q(path__startswith=unit.path)
    return qs.filter(condition)


View = Callable[..., HttpResponseBase]  # streamed files (FileResponse) too


def names_an_object(kwargs: dict[str, Any]) -> bool:
    """Whether a URL's parameters name an object: ``pk``, ``…_pk`` or ``…_id`` (``fy``, ``fmt``, ``name`` do not)."""
    return any(k == "pk" or k.endswith(("_pk", "_id")) for k in kwargs)


AnyView = TypeVar("AnyView", bound=View)


def tenant_object(
    model: type[M],
    *,
    perm: Perm | None = None,
    unit: str | None = None,
    url_kwarg: str = "pk",
    select: tuple[str, ...] = (),
) -> Callable[[Callable[..., HttpResponseBase]], View]:
    """Decorator of a view about one object: ``@tenant_object(Checklist, perm=Perm.SELFCHECK_ANSWER, unit="unit")``.

    In this order, the same for every view:
    1. logged in, and a member of a municipality (else 404);
    2. the object named by the URL parameter ``url_kwarg`` exists in the user's municipality (else 404: another
       tenant's id does not exist for the caller, whatever their role);
    3. the user may see it: the model's ``visible_to(user)`` when its queryset has one (else 403);
    4. the user holds ``perm`` — for the object's unit when ``unit`` names the attribute path to an OrgUnit
       (``"unit"``, ``"audit__unit"``), else anywhere (else 403).
    The view is then called as ``view(request, obj, **other_url_parameters)``. ``select`` is passed to
    ``select_related``. The wrapped view carries ``perm`` as ``required_perm`` (the menu reads it).
    """

    def decorate(view: Callable[..., HttpResponseBase]) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user: User = request.user  # type: ignore[assignment]
            qs = scoped(user, model)
            if select:
                qs = qs.select_related(*select)
            try:
                obj = qs.get(pk=kwargs.pop(url_kwarg))
            except (models.ObjectDoesNotExist, ValueError, TypeError) as exc:
                raise Http404("見つかりません。") from exc
            visible_to = getattr(qs, "visible_to", None)
            if visible_to is not None and not visible_to(user).filter(pk=obj.pk).exists():
                raise PermissionDenied("この操作を行う権限がありません。")
            if perm is not None and not _holds(user, perm, _attr_path(obj, unit) if unit else None, scoped=bool(unit)):
                raise PermissionDenied("この操作を行う権限がありません。")
            return view(request, obj, *args, **kwargs)

        wrapped.required_perm = perm  # type: ignore[attr-defined]
        return cast(View, wrapped)

    return decorate


def _holds(user: Requester, perm: Perm, unit: OrgUnit | None, *, scoped: bool) -> bool:
    if not scoped:
        return has_perm_somewhere(user, perm)
    # An object of no unit is the whole municipality's: only a municipality-wide role acts on it.
    return has_perm(user, perm, unit=unit) if unit is not None else is_municipality_wide(user, perm)


def _attr_path(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


def tenant_view(perm: Perm | None = None) -> Callable[[AnyView], AnyView]:
    """Decorator of a view that names no object (a list, a form for a new one, a report of the municipality):
    logged in and a member of a municipality (else 404), holding ``perm`` somewhere (else 403). A view whose URL
    names an object uses ``tenant_object``. The wrapped view carries ``perm`` as ``required_perm`` (the menu)."""

    def decorate(view: AnyView) -> AnyView:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user: User = request.user  # type: ignore[assignment]
            municipality_of(user)
            if perm is not None and not has_perm_somewhere(user, perm):
                raise PermissionDenied("この操作を行う権限がありません。")
            return view(request, *args, **kwargs)

        wrapped.required_perm = perm  # type: ignore[attr-defined]
        return cast(AnyView, wrapped)

    return decorate
