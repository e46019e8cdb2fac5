"""Incidents API: list, detail with timeline; record an incident and timeline notes (Perm.INCIDENT_REPORT); change
its facts with the version the client read (Perm.INCIDENT_MANAGE; a stale version answers 409 with both versions).

Visibility is the pages' ``Incident.objects.visible_to``; writes go through ``services`` only.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router
from ninja.pagination import paginate
from ninja.responses import Status

from piaops.api.framework import (
    ApiError,
    CursorPagination,
    GuardedSchema,
    OutSchema,
    api_user,
    prefetch,
    related,
    require_write,
)
from piaops.incidents import services
from piaops.incidents.models import Incident, IncidentEvent, IncidentQuerySet
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import OrgUnit, Work

router = Router(tags=["incidents"])


class IncidentOut(OutSchema):
    id: int
    title: str
    description: str
    status: str
    occurred_at: dt.datetime | None
    detected_at: dt.datetime
    reported_at: dt.datetime | None
    reporting_unit_id: int | None
    systems: str
    personal_info_involved: bool
    leaked: bool
    lost: bool
    damaged: bool
    people_affected: int | None
    unlawful_purpose: bool
    in_network_system: bool
    public_exposure: bool
    ppc_report_required: bool
    ppc_report_decision: str
    ppc_prompt_due: dt.date | None
    ppc_prompt_reported_on: dt.date | None
    ppc_final_due: dt.date | None
    ppc_final_reported_on: dt.date | None
    cause: str
    routed_party_id: int | None
    version: int

    @staticmethod
    def resolve_ppc_report_decision(obj: Incident) -> str:
        return obj.reportability.text


class EventOut(OutSchema):
    id: int
    at: dt.datetime
    kind: str
    text: str
    from_status: str
    to_status: str
    actor_id: int | None


class IncidentDetailOut(IncidentOut):
    work_ids: list[int]
    timeline: list[EventOut]

    @staticmethod
    def resolve_work_ids(obj: Incident) -> list[int]:
        return [iw.work_id for iw in related(obj, "incident_works")]

    @staticmethod
    def resolve_timeline(obj: Incident) -> list[IncidentEvent]:
        return list(obj.events.order_by("at", "pk"))


class IncidentIn(GuardedSchema):
    title: str = Field(..., min_length=1, max_length=200, title="件名")
    description: str = Field(..., min_length=1, title="内容")
    detected_at: dt.datetime
    occurred_at: dt.datetime | None = None
    reporting_unit_id: int | None = None
    systems: str = Field("", title="影響を受けたシステム")
    work_ids: list[int] = []
    personal_info_involved: bool = False
    leaked: bool = False
    lost: bool = False
    damaged: bool = False
    people_affected: int | None = Field(None, ge=0)
    unlawful_purpose: bool = False
    in_network_system: bool = False
    public_exposure: bool = False


class IncidentPatchIn(GuardedSchema):
    """The facts to change (those left out stay) and the ``version`` the client read (409 when it is stale)."""

    version: int = Field(..., ge=1)
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, min_length=1)
    systems: str | None = None
    people_affected: int | None = Field(None, ge=0)


class NoteIn(GuardedSchema):
    text: str = Field(..., min_length=1, title="内容")


def _visible(request: HttpRequest) -> IncidentQuerySet:
    access.municipality_of(request.user)
    access.require(request.user, Perm.VIEW)
    return Incident.objects.visible_to(api_user(request))


def _get(request: HttpRequest, incident_id: int) -> Incident:
    found: Incident = access.get_or_404(
        request.user, _visible(request).prefetch_related(prefetch("incident_works")), pk=incident_id
    )
    return found


@router.get("/incidents", response=list[IncidentOut], summary="事故の一覧")
@paginate(CursorPagination)
def incidents(request: HttpRequest) -> IncidentQuerySet:
    return _visible(request)


@router.get("/incidents/{incident_id}", response=IncidentDetailOut, summary="事故（経過つき）")
def incident(request: HttpRequest, incident_id: int) -> Incident:
    return _get(request, incident_id)


@router.post("/incidents", response={201: IncidentDetailOut}, summary="事故を記録する")
def incident_record(request: HttpRequest, payload: IncidentIn) -> Status[Incident]:
    municipality = access.municipality_of(request.user)
    require_write(request, Perm.INCIDENT_REPORT)
    unit = access.get_or_404(request.user, OrgUnit, pk=payload.reporting_unit_id) if payload.reporting_unit_id else None
    works = list(access.scoped(request.user, Work).filter(pk__in=payload.work_ids))
    if len(works) != len(set(payload.work_ids)):
        raise ApiError(
            400,
            "invalid",
            "指定された事務が見つかりません。",
            [{"field": "work_ids", "message": "指定された事務が見つかりません。"}],
        )
    data = payload.dict(exclude={"reporting_unit_id", "work_ids"})
    created = services.incident_record(
        municipality=municipality,
        user=api_user(request),
        reporting_unit=unit,
        works=works,
        **data,
    )
    return Status(201, _get(request, created.pk))


@router.patch(
    "/incidents/{incident_id}",
    response={200: IncidentDetailOut},
    summary="事故の内容を変更する（version が古ければ 409）",
)
def incident_update(request: HttpRequest, incident_id: int, payload: IncidentPatchIn) -> Incident:
    found = _get(request, incident_id)
    require_write(request, Perm.INCIDENT_MANAGE)
    fields = payload.dict(exclude={"version"}, exclude_unset=True)
    fields = {name: value for name, value in fields.items() if value is not None}
    try:
        services.incident_update(incident=found, user=api_user(request), expected_version=payload.version, **fields)
    except services.ConflictError as exc:
        current = _get(request, incident_id)
        exc.stored = IncidentDetailOut.from_orm(current).model_dump(mode="json")
        raise
    return _get(request, incident_id)


@router.post("/incidents/{incident_id}/timeline", response={201: EventOut}, summary="経過を記録する")
def incident_note(request: HttpRequest, incident_id: int, payload: NoteIn) -> Status[IncidentEvent]:
    found = _get(request, incident_id)
    require_write(request, Perm.INCIDENT_REPORT)
    try:
        event = services.incident_add_note(incident=found, user=api_user(request), text=payload.text)
    except services.IncidentError as exc:
        raise ApiError(400, "invalid", str(exc)) from exc
    return Status(201, event)
