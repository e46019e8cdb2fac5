"""Findings API: findings and their follow-ups (plan, progress, history); the follow-up transitions.

Visibility is the pages' rule, ``Finding.objects.visible_to`` (municipality-wide roles see every finding, unit
roles their subtree): another tenant's finding → 404, one the user may not see → 403.
Writes call ``services`` as the pages' action views do: the unit's 所属長 (or the admin) plans, reports progress
and completion (``FOLLOWUP_PROPOSE`` for the finding's unit); ``services.can_verify`` decides who accepts or
reopens.

Transitions: ``plan`` (未提出 → 改善中; later a revision), ``complete`` (改善中 → 完了報告済),
``accept`` (完了報告済 → 確認済), ``reopen`` (完了報告済 → 改善中, with a reason); ``progress`` adds a report.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
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
from piaops.findings import services
from piaops.findings.models import Finding, FindingEvent, FindingStatus, FollowUp, ProgressUpdate
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import User

router = Router(tags=["findings"])


# ------------------------------------------------------------------------------------------------ schemas


class FindingEventOut(OutSchema):
    id: int
    from_status: str
    to_status: str
    at: dt.datetime
    by_id: int | None
    note: str


class ProgressOut(OutSchema):
    id: int
    on: dt.date
    note: str
    by_id: int | None


class FollowUpOut(OutSchema):
    id: int
    finding_id: int
    status: str = Field(..., description="指摘事項の状態（open / planned / completed / verified）")
    plan: str
    actions: str
    responsible: str
    due_date: dt.date
    completed_on: dt.date | None
    completion_note: str
    verified_at: dt.datetime | None
    verified_by_id: int | None
    version: int = Field(..., description="版（保存のたびに1つ進む。計画の変更で送ると他の人の保存を上書きしない）")
    progress: list[ProgressOut]
    history: list[FindingEventOut] = Field(..., description="指摘事項の状態の履歴")

    @staticmethod
    def resolve_status(obj: FollowUp) -> str:
        return obj.finding.status

    @staticmethod
    def resolve_progress(obj: FollowUp) -> list[ProgressUpdate]:
        return sorted(related(obj, "updates"), key=lambda u: (u.on, u.pk))

    @staticmethod
    def resolve_history(obj: FollowUp) -> list[FindingEvent]:
        return sorted(related(obj.finding, "events"), key=lambda e: (e.at, e.pk))


class FindingOut(OutSchema):
    id: int
    fiscal_year: int
    unit_id: int
    commitment_id: int | None
    severity: str
    title: str
    description: str
    evidence: str
    source: str
    source_type: str
    source_id: int | None
    status: str
    created_at: dt.datetime


class FindingDetailOut(FindingOut):
    followup: FollowUpOut | None
    history: list[FindingEventOut]

    @staticmethod
    def resolve_followup(obj: Finding) -> FollowUp | None:
        return _followups().filter(finding=obj).first()

    @staticmethod
    def resolve_history(obj: Finding) -> list[FindingEvent]:
        return list(obj.events.order_by("at", "pk"))


class PlanIn(GuardedSchema):
    plan: str = Field(..., description="改善計画")
    due_date: dt.date = Field(..., description="完了予定日（開庁日）")
    actions: str = Field("", description="具体的な措置")
    responsible: str = Field("", max_length=100, description="担当者")
    version: int | None = Field(
        None,
        description="読み込んだ改善計画の版（まだ計画がなければ 0）。その後に他の人が保存していれば何も保存せず 409"
        " を返す（省略: 確認しない）",
    )


class ProgressIn(GuardedSchema):
    note: str = Field(..., description="進捗（報告日は今日）")


class FollowUpCompleteIn(GuardedSchema):
    completed_on: dt.date
    note: str = Field(..., description="完了報告")


class VerifyIn(GuardedSchema):
    note: str = Field("", description="コメント（差し戻すときは理由が必須）")


# ------------------------------------------------------------------------------------------------ reads


def _view(request: HttpRequest) -> User:
    access.municipality_of(request.user)
    access.require(request.user, Perm.FINDINGS_VIEW)
    return request.user  # type: ignore[return-value]


def _followups() -> QuerySet[FollowUp]:
    return FollowUp.objects.select_related("finding").prefetch_related(prefetch("updates"), prefetch("finding__events"))


def _visible(request: HttpRequest) -> QuerySet[Finding]:
    return Finding.objects.visible_to(_view(request))


def _seen(user: User, finding: Finding) -> None:
    if not Finding.objects.visible_to(user).filter(pk=finding.pk).exists():
        raise PermissionDenied("この操作を行う権限がありません。")


def _get(request: HttpRequest, finding_id: int) -> Finding:
    user = _view(request)
    found: Finding = access.get_or_404(user, Finding.objects.select_related("unit", "commitment"), pk=finding_id)
    _seen(user, found)
    return found


@router.get("/findings", response=list[FindingOut], summary="指摘事項の一覧（所属の役割は配下の所属のみ）")
@paginate(CursorPagination)
def findings(request: HttpRequest, status: str | None = None, fiscal_year: int | None = None) -> QuerySet[Finding]:
    qs = _visible(request)
    if status is not None:
        if status not in FindingStatus.values:
            message = f"status は {' / '.join(FindingStatus.values)} のいずれかを指定してください。"
            raise ApiError(400, "invalid", message, [{"field": "status", "message": message}])
        qs = qs.filter(status=status)
    return qs if fiscal_year is None else qs.filter(fiscal_year=fiscal_year)


@router.get("/findings/{finding_id}", response=FindingDetailOut, summary="指摘事項（改善計画・進捗・履歴つき）")
def finding(request: HttpRequest, finding_id: int) -> Finding:
    return _get(request, finding_id)


@router.get("/followups", response=list[FollowUpOut], summary="改善計画（フォローアップ）の一覧")
@paginate(CursorPagination)
def followups(request: HttpRequest) -> QuerySet[FollowUp]:
    return _followups().filter(finding__in=_visible(request))


@router.get("/followups/{followup_id}", response=FollowUpOut, summary="改善計画（進捗・履歴つき）")
def followup(request: HttpRequest, followup_id: int) -> FollowUp:
    user = _view(request)
    found: FollowUp = access.get_or_404(user, _followups(), pk=followup_id)
    _seen(user, found.finding)
    return found


# ------------------------------------------------------------------------------------------------ writes


def _proposer(request: HttpRequest, finding_id: int) -> Finding:
    found = _get(request, finding_id)
    require_write(request, Perm.FOLLOWUP_PROPOSE, unit=found.unit)
    return found


def _verifier(request: HttpRequest, finding_id: int) -> Finding:
    found = _get(request, finding_id)
    require_write(request, Perm.FINDINGS_VIEW, unit=found.unit)  # the token's scope; the right is can_verify's
    if not services.can_verify(api_user(request), found):
        raise PermissionDenied("確認する権限がありません。")
    return found


def _followup_of(finding: Finding) -> FollowUp:
    found = FollowUp.objects.select_related("finding").filter(finding=finding).first()
    if found is None:
        raise ValidationError("改善計画がまだありません。")
    return cast("FollowUp", found)


@router.post("/findings/{finding_id}/followup/plan", response=FindingDetailOut, summary="改善計画を提出・変更する")
def followup_plan(request: HttpRequest, finding_id: int, payload: PlanIn) -> Finding:
    found = _proposer(request, finding_id)
    fields = payload.dict()
    services.followup_plan(finding=found, by=api_user(request), expected_version=fields.pop("version"), **fields)
    return _get(request, finding_id)


@router.post("/findings/{finding_id}/followup/progress", response={201: ProgressOut}, summary="改善の進捗を報告する")
def followup_progress(request: HttpRequest, finding_id: int, payload: ProgressIn) -> Status[ProgressUpdate]:
    found = _proposer(request, finding_id)
    update = services.followup_progress(
        followup=_followup_of(found), note=payload.note, on=timezone.localdate(), by=api_user(request)
    )
    return Status(201, update)


@router.post("/findings/{finding_id}/followup/complete", response=FindingDetailOut, summary="改善の完了を報告する")
def followup_complete(request: HttpRequest, finding_id: int, payload: FollowUpCompleteIn) -> Finding:
    found = _proposer(request, finding_id)
    services.followup_complete(followup=_followup_of(found), by=api_user(request), **payload.dict())
    return _get(request, finding_id)


@router.post(
    "/findings/{finding_id}/followup/accept", response=FindingDetailOut, summary="完了報告を確認する（確認済）"
)
def followup_accept(request: HttpRequest, finding_id: int, payload: VerifyIn) -> Finding:
    found = _verifier(request, finding_id)
    services.followup_verify(followup=_followup_of(found), accept=True, note=payload.note, by=api_user(request))
    return _get(request, finding_id)


@router.post(
    "/findings/{finding_id}/followup/reopen",
    response=FindingDetailOut,
    summary="完了報告を差し戻す（改善中に戻す。理由が必須）",
)
def followup_reopen(request: HttpRequest, finding_id: int, payload: VerifyIn) -> Finding:
    found = _verifier(request, finding_id)
    services.followup_verify(followup=_followup_of(found), accept=False, note=payload.note, by=api_user(request))
    return _get(request, finding_id)
