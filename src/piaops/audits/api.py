"""Audits API: programmes, audits with their items' results and history, submitted reports; the audit work an
external tool automates: start an audit, record an item's result, complete it (its non-conformities become
findings, readable at ``/findings/``).

Visibility is the pages': ``visible_to`` of the models (``AUDIT_VIEW``, municipality-wide roles; unit roles have
no audit pages). Writes call ``services`` as the audit work pages do, and only for an auditor of that audit
(``services.is_auditor_of``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Field, Router
from ninja.pagination import paginate

from piaops.api.framework import (
    CursorPagination,
    GuardedSchema,
    OutSchema,
    api_user,
    prefetch,
    related_list,
    require_write,
)
from piaops.audits import services
from piaops.audits.models import Audit, AuditEvent, AuditItem, AuditProgramme, AuditReport, AuditsQuerySet
from piaops.findings.models import Finding
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import User

M = TypeVar("M", bound=Model)

router = Router(tags=["audits"])


# ------------------------------------------------------------------------------------------------ schemas


class ProgrammeOut(OutSchema):
    id: int
    fiscal_year: int
    title: str
    status: str
    previous_id: int | None
    approved_at: dt.datetime | None
    approved_by_id: int | None
    created_at: dt.datetime


class AuditorOut(OutSchema):
    user_id: int
    exception_reason: str = Field(..., description="独立性の例外の理由（例外でなければ空）")


class AuditOut(OutSchema):
    id: int
    programme_id: int
    unit_id: int
    audit_type: str
    planned_start: dt.date
    planned_end: dt.date
    status: str
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    summary: str
    reaudit_of_id: int | None
    work_ids: list[int]
    auditors: list[AuditorOut]

    resolve_work_ids = related_list("audit_works", "work_id", order_by=("work_id",))
    resolve_auditors = related_list("auditors")


class ItemOut(OutSchema):
    id: int
    order: int
    commitment_id: int | None
    text: str
    result: str = Field(..., description="conforming / minor / major / observation / 空（未記録）")
    notes: str
    working_paper: str
    corrects_id: int | None = Field(..., description="訂正元の項目（完了後の訂正）")
    correction_reason: str
    updated_at: dt.datetime | None


class AuditEventOut(OutSchema):
    id: int
    from_status: str
    to_status: str
    at: dt.datetime
    by_id: int | None
    note: str


class AuditDetailOut(AuditOut):
    items: list[ItemOut]
    finding_ids: list[int] = Field(..., description="この監査の不適合から登録された指摘事項")
    history: list[AuditEventOut]

    @staticmethod
    def resolve_items(obj: Audit) -> list[AuditItem]:
        return list(obj.items.order_by("order", "id"))

    @staticmethod
    def resolve_finding_ids(obj: Audit) -> list[int]:
        return list(
            Finding.objects.filter(
                municipality_id=obj.municipality_id, source_type="audits.item", source_id__in=obj.items.values("pk")
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    @staticmethod
    def resolve_history(obj: Audit) -> list[AuditEvent]:
        return list(obj.events.order_by("at", "pk"))


class AuditReportOut(OutSchema):
    id: int
    fiscal_year: int
    kind: str
    as_of: dt.date
    status: str
    submitted_at: dt.datetime
    submitted_by_id: int | None
    reviewed_at: dt.datetime | None
    reviewed_by_id: int | None
    review_comment: str
    pdf_sha256: str
    xlsx_sha256: str


class AuditReportDetailOut(AuditReportOut):
    data: dict[str, Any] = Field(..., description="提出したときの内容（凍結）")


class ResultIn(GuardedSchema):
    result: str = Field(
        ..., description="conforming（適合）/ minor（軽微な不適合）/ major（重大な不適合）/ observation"
    )
    notes: str = Field("", title="所見", description="所見（不適合は必須）")
    working_paper: str = Field("", title="監査調書", description="監査調書")


class AuditCompleteIn(GuardedSchema):
    summary: str = Field("", description="監査の所見（総括）")


# ------------------------------------------------------------------------------------------------ reads


def _view(request: HttpRequest) -> User:
    """The caller, who must hold ``AUDIT_VIEW`` (a unit role gets 403 for a list, as on the pages)."""
    user = api_user(request)
    access.municipality_of(user)
    access.require(user, Perm.AUDIT_VIEW)
    return user


def _found(request: HttpRequest, qs: QuerySet[M], pk: int) -> M:
    """The object named by the path, looked up before the right is weighed: another municipality's id answers
    404 to every role; the tenant's own object answers 403 to a caller it is not ``visible_to``."""
    user = api_user(request)
    found = access.get_or_404(user, qs, pk=pk)
    if not qs.visible_to(user).filter(pk=found.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied("この操作を行う権限がありません。")
    return found


def _audits() -> AuditsQuerySet:
    """Audits with what their schemas read, prefetched."""
    return Audit.objects.prefetch_related(prefetch("audit_works"), prefetch("auditors")).select_related(
        "programme", "unit"
    )


@router.get("/programmes", response=list[ProgrammeOut], summary="監査計画の一覧")
@paginate(CursorPagination)
def programmes(request: HttpRequest) -> QuerySet[AuditProgramme]:
    return AuditProgramme.objects.visible_to(_view(request))


@router.get("/programmes/{programme_id}", response=ProgrammeOut, summary="監査計画")
def programme(request: HttpRequest, programme_id: int) -> AuditProgramme:
    return cast("AuditProgramme", _found(request, AuditProgramme.objects.all(), programme_id))


@router.get("/audits", response=list[AuditOut], summary="監査の一覧")
@paginate(CursorPagination)
def audits(request: HttpRequest, programme_id: int | None = None, fiscal_year: int | None = None) -> QuerySet[Audit]:
    qs = _audits().visible_to(_view(request))
    if programme_id is not None:
        qs = qs.filter(programme_id=programme_id)
    return qs if fiscal_year is None else qs.filter(programme__fiscal_year=fiscal_year)


@router.get("/audits/{audit_id}", response=AuditDetailOut, summary="監査（監査項目の結果・指摘事項・履歴つき）")
def audit(request: HttpRequest, audit_id: int) -> Audit:
    return cast("Audit", _found(request, _audits(), audit_id))


@router.get("/reports", response=list[AuditReportOut], summary="提出された監査報告（監査結果・フォローアップ結果）")
@paginate(CursorPagination)
def reports(request: HttpRequest, fiscal_year: int | None = None) -> QuerySet[AuditReport]:
    qs = AuditReport.objects.visible_to(_view(request))
    return qs if fiscal_year is None else qs.filter(fiscal_year=fiscal_year)


@router.get("/reports/{report_id}", response=AuditReportDetailOut, summary="提出された監査報告（内容つき）")
def report(request: HttpRequest, report_id: int) -> AuditReport:
    return cast("AuditReport", _found(request, AuditReport.objects.all(), report_id))


# ------------------------------------------------------------------------------------------------ writes


def _work(request: HttpRequest, audit_id: int) -> Audit:
    found = _found(request, _audits(), audit_id)
    require_write(request, Perm.AUDIT_PERFORM)
    if not services.is_auditor_of(api_user(request), found):
        raise PermissionDenied("この監査の監査人ではありません。")
    return cast("Audit", found)


@router.post("/audits/{audit_id}/start", response=AuditDetailOut, summary="監査を開始する（予定 → 実施中）")
def audit_start(request: HttpRequest, audit_id: int) -> Audit:
    services.audit_start(audit=_work(request, audit_id), by=api_user(request))
    return cast("Audit", _found(request, _audits(), audit_id))


@router.post(
    "/audits/{audit_id}/items/{item_id}/result",
    response=ItemOut,
    summary="監査項目の結果を記録する（不適合は監査の完了時に指摘事項になる）",
)
def item_result(request: HttpRequest, audit_id: int, item_id: int, payload: ResultIn) -> AuditItem:
    found = _work(request, audit_id)
    item = access.get_or_404(api_user(request), found.items.select_related("audit"), pk=item_id)
    return services.item_record(item=item, by=api_user(request), **payload.dict())


@router.post(
    "/audits/{audit_id}/complete",
    response=AuditDetailOut,
    summary="監査を完了する（実施中 → 完了。不適合を指摘事項として登録し、以後は訂正のみ）",
)
def audit_complete(request: HttpRequest, audit_id: int, payload: AuditCompleteIn) -> Audit:
    services.audit_complete(audit=_work(request, audit_id), summary=payload.summary, by=api_user(request))
    return cast("Audit", _found(request, _audits(), audit_id))
