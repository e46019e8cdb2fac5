"""Training (教育・啓発) API: courses, sessions, requirements, records, and compliance status per person and per unit;
record attendance one at a time or import a file of it (Perm.TRAINING_MANAGE).

Visibility is the pages': courses, sessions and requirements for every role (Perm.VIEW); the list of records only
for municipality-wide roles (as the records page); a person's status and records for those who may see that person
(unit roles: their subtree, else 403); a unit's roster with Perm.VIEW_PEOPLE for that unit. Writes go through
``services.record_create`` and ``importing.import_records``, as on the pages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from piaops.api.framework import (
    CursorPagination,
    FileIn,
    GuardedSchema,
    OutSchema,
    api_user,
    check_day,
    cursor_page,
    file_bytes,
    import_rejected,
    prefetch,
    related,
    require_write,
)
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import Assignment, OrgUnit, Person, User
from piaops.training import services
from piaops.training.compliance import Row, active_requirements, status_rows
from piaops.training.compliance import Status as ComplianceStatus
from piaops.training.importing import ImportFileError, import_records
from piaops.training.models import (
    Course,
    Record,
    Requirement,
    Result,
    Session,
    sees_whole_municipality,
    visible_people,
)

router = Router(tags=["training"])


class CourseOut(OutSchema):
    id: int
    code: str
    title: str
    topics: list[str]
    description: str
    material_title: str
    material_version: str
    material_source: str
    material_date: dt.date | None
    delivery: str
    duration_minutes: int
    has_test: bool
    pass_mark: int | None
    is_active: bool


class SessionOut(OutSchema):
    id: int
    course_id: int
    date: dt.date
    end_date: dt.date | None
    place: str
    trainer: str
    note: str


class RequirementOut(OutSchema):
    id: int
    name: str
    course_ids: list[int]
    trigger: str
    timing: str
    scope: str
    within_days: int
    every_months: int
    times_per_year: int
    grace_days: int
    handling_only: bool
    employment_types: list[str]
    roles: list[str]
    unit_id: int | None
    work_id: int | None
    party_id: int | None
    is_active: bool

    @staticmethod
    def resolve_course_ids(obj: Requirement) -> list[int]:
        return sorted(c.pk for c in related(obj, "courses"))

    @staticmethod
    def resolve_timing(obj: Requirement) -> str:
        return obj.timing_text()

    @staticmethod
    def resolve_scope(obj: Requirement) -> str:
        return obj.scope_text()


class RecordOut(OutSchema):
    id: int
    person_id: int
    course_id: int
    session_id: int | None
    completed_on: dt.date
    result: str
    score: int | None
    evidence: str
    source: str
    recorded_by_id: int | None
    recorded_at: dt.datetime


class StatusOut(OutSchema):
    """A person against a requirement on the day: 受講済 (done), 未受講（期限内） (pending), 期限超過 (overdue),
    対象外 (na)."""

    requirement_id: int
    status: str
    status_label: str
    due: dt.date | None = None
    last_completed: dt.date | None = None
    since: dt.date | None = Field(None, description="要件を数え始める日（着任日など）")
    untrained_access: bool = Field(False, description="未受講のまま特定個人情報を取り扱っている")


class PersonStatusOut(OutSchema):
    person_id: int
    as_of: dt.date
    statuses: list[StatusOut]
    records: list[RecordOut]


class RosterRowOut(OutSchema):
    person_id: int
    staff_number: str
    name: str
    employment_type: str
    unit_ids: list[int]
    statuses: list[StatusOut]


class RosterOut(OutSchema):
    unit_id: int
    as_of: dt.date
    requirement_ids: list[int]
    items: list[RosterRowOut]
    next_cursor: str | None = None


class RecordIn(GuardedSchema):
    person_id: int
    course_id: int
    session_id: int | None = None
    completed_on: dt.date
    result: Result | None = Field(None, description="省略時は得点と合格点から（得点がなければ修了）")
    score: int | None = Field(None, ge=0, le=1000)
    evidence: str = Field("", max_length=300, title="証跡")


class RecordImportIn(FileIn):
    """A CSV (UTF-8 or CP932) or XLSX export with the columns 職員番号, 研修コード, 受講日 (結果, 得点, 証跡)."""


class RecordImportOut(OutSchema):
    dry_run: bool
    rows: int
    created: int


def _view(request: HttpRequest, perm: Perm = Perm.VIEW) -> User:
    """The caller, once they belong to a municipality (else 404) and hold ``perm`` somewhere (else 403)."""
    access.municipality_of(request.user)
    access.require(request.user, perm)
    return api_user(request)


def _as_of(as_of: dt.date | None) -> dt.date:
    check_day(as_of, "as_of")
    return as_of or timezone.localdate()


def _status(row: Row | None, requirement_id: int) -> dict[str, Any]:
    if row is None:
        na = ComplianceStatus.NOT_APPLICABLE
        return {"requirement_id": requirement_id, "status": na.value, "status_label": str(na.label)}
    return {
        "requirement_id": requirement_id,
        "status": row.status,
        "status_label": row.status_label,
        "due": row.due,
        "last_completed": row.last_completed,
        "since": row.base,
        "untrained_access": row.untrained_access,
    }


# --- courses, sessions, requirements ---------------------------------------------------------------------------


@router.get("/courses", response=list[CourseOut], summary="研修の一覧")
@paginate(CursorPagination)
def courses(request: HttpRequest) -> QuerySet[Course]:
    return access.scoped(_view(request), Course)


@router.get("/courses/{course_id}", response=CourseOut, summary="研修")
def course(request: HttpRequest, course_id: int) -> Course:
    return access.get_or_404(_view(request), Course, pk=course_id)


@router.get("/sessions", response=list[SessionOut], summary="研修の実施回の一覧（course_id で絞り込み）")
@paginate(CursorPagination)
def sessions(request: HttpRequest, course_id: int | None = None) -> QuerySet[Session]:
    qs = access.scoped(_view(request), Session)
    return qs.filter(course_id=course_id) if course_id is not None else qs


@router.get("/sessions/{session_id}", response=SessionOut, summary="研修の実施回")
def session(request: HttpRequest, session_id: int) -> Session:
    return access.get_or_404(_view(request), Session, pk=session_id)


@router.get("/requirements", response=list[RequirementOut], summary="受講要件の一覧")
@paginate(CursorPagination)
def requirements(request: HttpRequest) -> QuerySet[Requirement]:
    qs = access.scoped(_view(request), Requirement).select_related("unit", "work", "party")
    return qs.prefetch_related(prefetch("courses"))


@router.get("/requirements/{requirement_id}", response=RequirementOut, summary="受講要件")
def requirement(request: HttpRequest, requirement_id: int) -> Requirement:
    qs = Requirement.objects.select_related("unit", "work", "party").prefetch_related(prefetch("courses"))
    return cast("Requirement", access.get_or_404(_view(request), qs, pk=requirement_id))


# --- records ---------------------------------------------------------------------------------------------------


def _records(request: HttpRequest) -> QuerySet[Record]:
    user = _view(request)
    if not sees_whole_municipality(user):  # as the records page: unit roles read records person by person
        raise PermissionDenied("この操作を行う権限がありません。")
    return Record.objects.visible_to(user)


@router.get(
    "/records",
    response=list[RecordOut],
    summary="受講記録の一覧（団体全体を見る役割のみ。person_id / course_id で絞り込み）",
)
@paginate(CursorPagination)
def records(request: HttpRequest, person_id: int | None = None, course_id: int | None = None) -> QuerySet[Record]:
    qs = _records(request)
    if person_id is not None:
        qs = qs.filter(person_id=person_id)
    if course_id is not None:
        qs = qs.filter(course_id=course_id)
    return qs


# Declared before "/records/{record_id}": URL patterns match in order, and "import" would be taken for an id.
@router.post(
    "/records/import",
    response={200: RecordImportOut, 201: RecordImportOut},
    summary="受講記録を一括取込する（全件検査してから全件登録。誤りがあれば1件も登録せず 422）",
)
def record_import(request: HttpRequest, payload: RecordImportIn) -> Status[dict[str, Any]]:
    municipality = access.municipality_of(request.user)
    require_write(request, Perm.TRAINING_MANAGE)
    data = file_bytes(payload)
    try:
        result = import_records(
            municipality=municipality,
            data=data,
            filename=payload.file_name,
            today=timezone.localdate(),
            dry_run=payload.dry_run,
            recorded_by=api_user(request),
        )
    except ImportFileError as exc:
        raise import_rejected([str(exc)]) from exc
    if not result.ok:
        raise import_rejected(result.errors, total=result.error_count)
    body = {"dry_run": result.dry_run, "rows": result.rows, "created": result.created}
    return Status(200 if result.dry_run else 201, body)


@router.get("/records/{record_id}", response=RecordOut, summary="受講記録")
def record(request: HttpRequest, record_id: int) -> Record:
    found = access.get_or_404(_view(request), Record, pk=record_id)  # another tenant's id: 404 before any 403
    return _records(request).get(pk=found.pk)


@router.post("/records", response={201: RecordOut}, summary="受講記録を1件登録する")
def record_create(request: HttpRequest, payload: RecordIn) -> Status[Record]:
    user = _view(request)
    person = access.get_or_404(user, Person, pk=payload.person_id)
    found_course = access.get_or_404(user, Course, pk=payload.course_id)
    found_session = access.get_or_404(user, Session, pk=payload.session_id) if payload.session_id else None
    require_write(request, Perm.TRAINING_MANAGE)
    check_day(payload.completed_on, "completed_on")
    created = services.record_create(
        person=person,
        course=found_course,
        session=found_session,
        completed_on=payload.completed_on,
        today=timezone.localdate(),
        result=payload.result.value if payload.result else None,
        score=payload.score,
        evidence=payload.evidence,
        recorded_by=api_user(request),
    )
    return Status(201, created)


# --- compliance status -----------------------------------------------------------------------------------------


@router.get(
    "/people/{person_id}/status",
    response=PersonStatusOut,
    summary="職員等の受講状況（有効な受講要件ごと）と受講記録",
)
def person_status(request: HttpRequest, person_id: int, as_of: dt.date | None = None) -> dict[str, Any]:
    user = _view(request, Perm.VIEW_PEOPLE)
    person = access.get_or_404(user, Person, pk=person_id)
    if not visible_people(user).filter(pk=person.pk).exists():
        raise PermissionDenied("この操作を行う権限がありません。")
    day = _as_of(as_of)
    reqs = active_requirements(person.municipality_id)
    rows = {r.requirement_id: r for r in status_rows(requirements=reqs, as_of=day, person_ids=[person.pk])}
    return {
        "person_id": person.pk,
        "as_of": day,
        "statuses": [_status(rows.get(r.pk), r.pk) for r in reqs],
        "records": list(person.training_records.order_by("pk")),
    }


@router.get(
    "/units/{unit_id}/status",
    response=RosterOut,
    summary="組織（配下を含む）の受講状況：基準日に配属のある職員等ごと（cursor で次のページ）",
)
def unit_status(
    request: HttpRequest,
    unit_id: int,
    page: Query[CursorPagination.Input],
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    user = _view(request, Perm.VIEW_PEOPLE)
    unit = access.get_or_404(user, OrgUnit, pk=unit_id)
    access.require(user, Perm.VIEW_PEOPLE, unit=unit)
    day = _as_of(as_of)
    subtree = list(OrgUnit.objects.subtree(unit).values_list("pk", flat=True))
    in_subtree = set(subtree)
    active = Q(assignments__unit_id__in=subtree, assignments__start_date__lte=day) & (
        Q(assignments__end_date__isnull=True) | Q(assignments__end_date__gte=day)
    )
    people_qs = (
        Person.objects.for_municipality(unit.municipality_id)
        .filter(pk__in=Person.objects.filter(active).values("pk"))
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.on(day).order_by("pk"), to_attr="current_assignments")
        )
    )
    people, next_cursor = cursor_page(people_qs, cursor=page.cursor, limit=page.limit)
    reqs = active_requirements(unit.municipality_id)
    cells: dict[int, dict[int, Row]] = defaultdict(dict)
    if people:
        for row in status_rows(requirements=reqs, as_of=day, unit_ids=subtree, person_ids=[p.pk for p in people]):
            cells[row.person_id][row.requirement_id] = row
    items = [
        {
            "person_id": p.pk,
            "staff_number": p.staff_number,
            "name": p.name,
            "employment_type": p.employment_type,
            "unit_ids": [a.unit_id for a in p.current_assignments if a.unit_id in in_subtree],
            "statuses": [_status(cells[p.pk].get(r.pk), r.pk) for r in reqs],
        }
        for p in people
    ]
    return {
        "unit_id": unit.pk,
        "as_of": day,
        "requirement_ids": [r.pk for r in reqs],
        "items": items,
        "next_cursor": next_cursor,
    }
