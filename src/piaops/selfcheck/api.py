"""Self-inspection API: templates (with items), campaigns, checklists (answers, submissions, status history);
answering a checklist's items and submitting it.

Visibility is the pages': templates need ``SELFCHECK_MANAGE`` (as the template page); campaigns and checklists
are those of ``Campaign.objects.visible_to`` / ``Checklist.objects.visible_to`` (a campaign in preparation for the
municipality-wide roles only, a unit role's checklists in its subtrees): another tenant's → 404, one the caller may
not see → 403. Writes call ``services.checklist_save_answers`` / ``services.checklist_submit`` as the pages do,
after the same rights (``SELFCHECK_ANSWER`` / ``SELFCHECK_CERTIFY`` for the checklist's unit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

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
from piaops.selfcheck import services
from piaops.selfcheck.errors import ChecklistInvalid
from piaops.selfcheck.models import (
    Answer,
    Campaign,
    Checklist,
    ChecklistEvent,
    ChecklistTemplate,
    Submission,
    TemplateItem,
)
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import User

router = Router(tags=["selfcheck"])

VERSION_IN = "読み込んだときの版（version）。その後に他の人が保存していれば何も保存せず 409 を返す（省略: 確認しない）"


# ------------------------------------------------------------------------------------------------ schemas


class TemplateOut(OutSchema):
    id: int
    code: str
    version: int
    title: str
    report_id: int | None
    previous_id: int | None
    locked_at: dt.datetime | None
    created_at: dt.datetime


class TemplateItemOut(OutSchema):
    id: int
    order: int
    category: str
    text: str
    guidance: str
    commitment_id: int | None
    change: str


class TemplateDetailOut(TemplateOut):
    items: list[TemplateItemOut]

    @staticmethod
    def resolve_items(obj: ChecklistTemplate) -> list[TemplateItem]:
        return list(obj.items.order_by("order", "id"))


class CampaignOut(OutSchema):
    id: int
    fiscal_year: int
    title: str
    status: str
    deadline: dt.date
    instructions: str
    reminder_office_days: int
    previous_id: int | None
    launched_at: dt.datetime | None
    created_at: dt.datetime
    template_ids: list[int] = Field(..., description="自己点検票（点検票に並ぶ順）")

    @staticmethod
    def resolve_template_ids(obj: Campaign) -> list[int]:
        links = sorted(related(obj, "campaign_templates"), key=lambda link: (link.position, link.pk))
        return [link.template_id for link in links] or [obj.template_id]


class CampaignDetailOut(CampaignOut):
    target_unit_ids: list[int]

    @staticmethod
    def resolve_target_unit_ids(obj: Campaign) -> list[int]:
        return sorted(t.unit_id for t in related(obj, "campaign_targets"))


class ChecklistOut(OutSchema):
    id: int
    campaign_id: int
    unit_id: int
    status: str
    round: int = Field(..., description="提出回（差戻しのたびに1つ進む）")
    first_submitted_at: dt.datetime | None
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    version: int = Field(..., description="版（保存のたびに1つ進む。保存・提出で送ると他の人の保存を上書きしない）")


class AnswerOut(OutSchema):
    id: int
    item_id: int
    number: int = Field(..., description="点検票での項目番号（1から）")
    category: str
    text: str
    value: str = Field(..., description="yes（はい）/ no（いいえ）/ na（該当なし）/ 空（未回答）")
    comment: str
    improvement_plan: str
    target_date: dt.date | None
    updated_at: dt.datetime | None

    @staticmethod
    def resolve_category(obj: Answer) -> str:
        return obj.item.category

    @staticmethod
    def resolve_text(obj: Answer) -> str:
        return cast("str", obj.item.text)


class ReviewCommentOut(OutSchema):
    item_id: int
    comment: str


class SubmissionOut(OutSchema):
    id: int
    round: int
    submitted_at: dt.datetime
    submitted_by_id: int | None
    outcome: str
    reviewed_at: dt.datetime | None
    reviewed_by_id: int | None
    review_note: str
    comments: list[ReviewCommentOut]

    @staticmethod
    def resolve_comments(obj: Submission) -> list[Any]:
        return related(obj, "comments")


class ChecklistEventOut(OutSchema):
    id: int
    from_status: str
    to_status: str
    at: dt.datetime
    by_id: int | None
    note: str


class ChecklistDetailOut(ChecklistOut):
    answers: list[AnswerOut]
    submissions: list[SubmissionOut]
    history: list[ChecklistEventOut]

    @staticmethod
    def resolve_answers(obj: Checklist) -> list[Answer]:
        return obj.campaign.sort_answers(obj.answers.select_related("item"))

    @staticmethod
    def resolve_submissions(obj: Checklist) -> list[Submission]:
        return list(obj.submissions.prefetch_related(prefetch("comments")).order_by("round"))

    @staticmethod
    def resolve_history(obj: Checklist) -> list[ChecklistEvent]:
        return list(obj.events.order_by("at", "pk"))


class AnswerIn(Schema):
    """Not a GuardedSchema: the checklist service refuses a 個人番号 item by item, naming 「項目N」 (listed in
    tests/lib/test_every_input_is_guarded.py)."""

    item_id: int = Field(..., description="点検項目の ID（answers[].item_id）")
    value: str = Field("", description="yes（はい）/ no（いいえ）/ na（該当なし）/ 空（未回答）")
    comment: str = Field("", description="コメント（「いいえ」「該当なし」は提出時に必須）")
    improvement_plan: str = Field("", description="改善計画（「いいえ」は提出時に必須）")
    target_date: dt.date | None = Field(None, description="改善予定日（「いいえ」は提出時に必須）")


class AnswersIn(GuardedSchema):
    answers: list[AnswerIn] = Field(..., min_length=1, description="回答する項目（指定しない項目は変わらない）")
    version: int | None = Field(None, description=VERSION_IN)


class SubmitIn(GuardedSchema):
    version: int | None = Field(None, description=VERSION_IN)


# ------------------------------------------------------------------------------------------------ reads


def _view(request: HttpRequest, perm: Perm = Perm.SELFCHECK_VIEW) -> User:
    """The caller, a member of a municipality holding ``perm`` somewhere (else 404 / 403)."""
    access.municipality_of(request.user)
    access.require(request.user, perm)
    return request.user  # type: ignore[return-value]


def _templates(request: HttpRequest) -> QuerySet[ChecklistTemplate]:
    return access.scoped(_view(request, Perm.SELFCHECK_MANAGE), ChecklistTemplate)


def _campaigns(request: HttpRequest) -> QuerySet[Campaign]:
    user = _view(request)
    return Campaign.objects.visible_to(user).prefetch_related(
        prefetch("campaign_templates"), prefetch("campaign_targets")
    )


def _checklists(request: HttpRequest) -> QuerySet[Checklist]:
    return Checklist.objects.visible_to(_view(request))


def _visible(visible: QuerySet[Any], pk: int) -> None:
    """403 unless the object ``pk`` (found in the caller's municipality) is among ``visible`` (a ``visible_to``)."""
    if not visible.filter(pk=pk).exists():
        raise PermissionDenied("この操作を行う権限がありません。")


def _get_checklist(request: HttpRequest, checklist_id: int) -> Checklist:
    user = _view(request)
    found: Checklist = access.get_or_404(
        user, Checklist.objects.select_related("campaign", "campaign__template", "unit"), pk=checklist_id
    )
    _visible(Checklist.objects.visible_to(user), found.pk)
    return found


@router.get("/templates", response=list[TemplateOut], summary="自己点検票（様式）の一覧")
@paginate(CursorPagination)
def templates(request: HttpRequest) -> QuerySet[ChecklistTemplate]:
    return _templates(request)


@router.get("/templates/{template_id}", response=TemplateDetailOut, summary="自己点検票（点検項目つき）")
def template(request: HttpRequest, template_id: int) -> ChecklistTemplate:
    # Looked up before the right is weighed: another municipality's id answers 404 for every role.
    found = access.get_or_404(request.user, ChecklistTemplate, pk=template_id)
    _view(request, Perm.SELFCHECK_MANAGE)
    return found


@router.get("/campaigns", response=list[CampaignOut], summary="自己点検の実施の一覧")
@paginate(CursorPagination)
def campaigns(request: HttpRequest, fiscal_year: int | None = None) -> QuerySet[Campaign]:
    qs = _campaigns(request)
    return qs if fiscal_year is None else qs.filter(fiscal_year=fiscal_year)


@router.get("/campaigns/{campaign_id}", response=CampaignDetailOut, summary="自己点検の実施（対象所属つき）")
def campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    user = _view(request)
    found: Campaign = access.get_or_404(
        user, Campaign.objects.prefetch_related(prefetch("campaign_templates")), pk=campaign_id
    )
    _visible(Campaign.objects.visible_to(user), found.pk)
    return found


@router.get("/checklists", response=list[ChecklistOut], summary="所属の自己点検票の一覧（所属の役割は配下の所属のみ）")
@paginate(CursorPagination)
def checklists(request: HttpRequest, campaign_id: int | None = None) -> QuerySet[Checklist]:
    qs = _checklists(request)
    return qs if campaign_id is None else qs.filter(campaign_id=campaign_id)


@router.get(
    "/checklists/{checklist_id}", response=ChecklistDetailOut, summary="所属の自己点検票（回答・提出・状態の履歴）"
)
def checklist(request: HttpRequest, checklist_id: int) -> Checklist:
    return _get_checklist(request, checklist_id)


# ------------------------------------------------------------------------------------------------ writes


@contextmanager
def _problems() -> Iterator[None]:
    """Every problem of a refused checklist write, in the one error format (nothing was saved)."""
    try:
        yield
    except ChecklistInvalid as exc:
        details = [{"field": p.where or None, "message": p.message} for p in exc.problems]
        message = (
            str(exc.problems[0])
            if len(exc.problems) == 1
            else "入力内容に誤りがあります。details の項目を確認してください。"
        )
        raise ApiError(400, "invalid", message, details) from exc


def _inputs(payload: AnswersIn) -> dict[int, services.AnswerInput]:
    seen: dict[int, services.AnswerInput] = {}
    for a in payload.answers:
        if a.item_id in seen:
            message = f"同じ項目（ID {a.item_id}）が複数回指定されています。1項目につき1つだけ指定してください。"
            raise ApiError(400, "invalid", message, [{"field": "answers", "message": message}])
        seen[a.item_id] = services.AnswerInput(
            value=a.value, comment=a.comment, improvement_plan=a.improvement_plan, target_date=a.target_date
        )
    return seen


@router.post(
    "/checklists/{checklist_id}/answers",
    response=ChecklistDetailOut,
    summary="回答を保存する（下書き。すべての項目が正しいときだけ保存）",
)
def checklist_answer(request: HttpRequest, checklist_id: int, payload: AnswersIn) -> Checklist:
    found = _get_checklist(request, checklist_id)
    require_write(request, Perm.SELFCHECK_ANSWER, unit=found.unit)
    answers = _inputs(payload)
    with _problems():
        services.checklist_save_answers(
            checklist=found, answers=answers, by=api_user(request), source="API", expected_version=payload.version
        )
    return _get_checklist(request, checklist_id)


@router.post(
    "/checklists/{checklist_id}/submit",
    response=ChecklistDetailOut,
    summary="所属長として確認し提出する（未回答・記入漏れがあれば提出しない）",
)
def checklist_submit(request: HttpRequest, checklist_id: int, payload: SubmitIn | None = None) -> Checklist:
    found = _get_checklist(request, checklist_id)
    require_write(request, Perm.SELFCHECK_CERTIFY, unit=found.unit)
    version = payload.version if payload else None  # a body is optional: submitting needs no input
    with _problems():
        services.checklist_submit(checklist=found, by=api_user(request), expected_version=version)
    return _get_checklist(request, checklist_id)
