"""Read API of the tenant's master data: municipality, units (tree), people (with assignments), works, parties.

Visibility is exactly the pages': ``access`` for the tenant, ``Person.objects.visible_to`` for people (unit roles
see their subtree only).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from piaops.api.framework import CursorPagination, OutSchema, prefetch, related_list
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import Assignment, Municipality, OrgUnit, Party, Person, Work

router = Router(tags=["tenancy"])


class MunicipalityOut(OutSchema):
    id: int
    name: str
    code: str
    onsite_audit_cycle_years: int


class UnitOut(OutSchema):
    id: int
    parent_id: int | None
    name: str
    code: str
    kind: str
    path: str
    depth: int
    is_governance: bool
    is_it: bool
    is_active: bool


class AssignmentOut(OutSchema):
    id: int
    unit_id: int
    title: str
    start_date: dt.date
    end_date: dt.date | None
    handles_specific_personal_info: bool


class PersonOut(OutSchema):
    id: int
    staff_number: str
    name: str
    name_kana: str
    employment_type: str
    party_id: int | None
    email: str
    employed_from: dt.date | None
    employed_to: dt.date | None
    assignments: list[AssignmentOut]

    resolve_assignments = related_list("assignments")


class WorkOut(OutSchema):
    id: int
    name: str
    legal_basis: str
    is_active: bool
    unit_ids: list[int]

    resolve_unit_ids = related_list("work_units", "unit_id")


class PartyOut(OutSchema):
    id: int
    name: str
    kind: str
    corporate_number: str
    note: str
    is_active: bool


def _view(request: HttpRequest, perm: Perm = Perm.VIEW) -> Any:
    access.municipality_of(request.user)
    access.require(request.user, perm)
    return request.user


@router.get("/municipality", response=MunicipalityOut, summary="団体")
def municipality(request: HttpRequest) -> Municipality:
    return access.municipality_of(_view(request))


@router.get("/units", response=list[UnitOut], summary="組織（木構造: parent_id / path / depth）")
@paginate(CursorPagination)
def units(request: HttpRequest) -> QuerySet[OrgUnit]:
    return access.scoped(_view(request), OrgUnit)


@router.get("/units/{unit_id}", response=UnitOut, summary="組織")
def unit(request: HttpRequest, unit_id: int) -> OrgUnit:
    return access.get_or_404(_view(request), OrgUnit, pk=unit_id)


def _people(request: HttpRequest) -> QuerySet[Person]:
    user = _view(request, Perm.VIEW_PEOPLE)
    return Person.objects.visible_to(user).prefetch_related(prefetch("assignments", Assignment.objects.order_by("pk")))


@router.get("/people", response=list[PersonOut], summary="職員等（配属つき。所属の役割は配下の組織のみ）")
@paginate(CursorPagination)
def people(request: HttpRequest) -> QuerySet[Person]:
    return _people(request)


@router.get("/people/{person_id}", response=PersonOut, summary="職員等")
def person(request: HttpRequest, person_id: int) -> Person:
    visible = _people(request)
    found = access.get_or_404(request.user, Person, pk=person_id)  # another tenant's id: 404 before any 403
    try:
        return visible.get(pk=found.pk)
    except Person.DoesNotExist as exc:
        raise PermissionDenied("この職員等を閲覧する権限がありません。") from exc


@router.get("/works", response=list[WorkOut], summary="個人番号利用事務")
@paginate(CursorPagination)
def works(request: HttpRequest) -> QuerySet[Work]:
    return access.scoped(_view(request), Work).prefetch_related(prefetch("work_units"))


@router.get("/works/{work_id}", response=WorkOut, summary="個人番号利用事務")
def work(request: HttpRequest, work_id: int) -> Work:
    return cast(
        "Work", access.get_or_404(_view(request), Work.objects.prefetch_related(prefetch("work_units")), pk=work_id)
    )


@router.get("/parties", response=list[PartyOut], summary="措置主体・関係事業者")
@paginate(CursorPagination)
def parties(request: HttpRequest) -> QuerySet[Party]:
    return access.scoped(_view(request), Party)


@router.get("/parties/{party_id}", response=PartyOut, summary="措置主体・関係事業者")
def party(request: HttpRequest, party_id: int) -> Party:
    return access.get_or_404(_view(request), Party, pk=party_id)
