"""Assessment reports API: reports and their commitments (Perm.VIEW, as on the pages); import a report's text as
the next version of its series, with a preview (Perm.MANAGE_ASSESSMENTS; ``services.report_preview`` and
``services.report_import``, as the upload page)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any, ClassVar, cast

from django.conf import settings
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
    check_day,
    import_rejected,
    require_write,
)
from piaops.assessments import services
from piaops.assessments.models import AssessmentReport, Commitment
from piaops.assessments.vocab import Revision, Tier
from piaops.lib.fields import refuse_my_number
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import Work

router = Router(tags=["assessments"])


class ReportOut(OutSchema):
    id: int
    series: str
    version: int
    previous_id: int | None
    title: str
    tier: str
    revision: str
    report_number: str
    published_on: dt.date | None
    status: str
    imported_at: dt.datetime


class CommitmentOut(OutSchema):
    id: int
    item_id: int
    block_id: int | None
    party_id: int | None
    party_name: str
    text: str
    kind: str
    cadence: str
    owner_unit_id: int | None
    start_line: int
    end_line: int


class ReportFieldOut(OutSchema):
    """A labelled field of Ⅰ 基本情報, Ⅱ ファイルの概要, 開示請求・問合せ or 評価実施手続 as the report states it."""

    section: str = Field(description="章（Ⅰ・Ⅱ・Ⅴ・Ⅵ。様式により番号は異なります）")
    group: str = Field(description="見出し（「1. 特定個人情報ファイルを取り扱う事務」「システム1」など）")
    label: str = Field(description="項目（丸数字を除く）")
    key: str = Field(description="piaops が読む項目の種類（subjects 対象人数、handlers 取扱者数など。ほかは空）")
    value: str = Field(description="記載（選択式の項目は選ばれた選択肢）")
    choices: list[str] = Field(description="選択式の項目の様式の選択肢")
    line: int = Field(description="取込元の行")


class ReportImportIn(GuardedSchema):
    """The report — its text (the markdown/HTML form or text taken from its PDF) or its file (PDF, XLSX, DOCX) in
    Base64 — and the works it assesses."""

    # The report's text is scanned by the importer, which names the line of a 個人番号.
    unguarded_fields: ClassVar[frozenset[str]] = frozenset({"text"})

    text: str = Field("", description="評価書のテキスト（content_base64 とどちらか一方）")
    content_base64: str | None = Field(
        None, description="評価書のファイル（PDF・.xlsx・.docx・テキスト）を Base64 で（text とどちらか一方）"
    )
    file_name: str = Field("hyoukasho.txt", min_length=1, max_length=255, description="ファイル名（記録用）")
    work_ids: list[int] = Field(..., min_length=1, description="評価の対象となる個人番号利用事務")
    tier: Tier | None = Field(None, description="評価の種類（省略時は本文から。なければ全項目評価）")
    published_on: dt.date | None = Field(None, description="公表日（省略時は本文から）")
    revision: Revision | None = Field(
        None,
        description="版の種類（reassessment 全項目評価の再実施・significant_change 重要な変更による再評価・"
        "correction 修正。省略時は最初の版が reassessment、以降は correction）",
    )
    dry_run: bool = Field(False, description="true なら確認（プレビュー）だけして保存しない")


class WarningOut(OutSchema):
    line: int
    message: str


class PartyRowOut(OutSchema):
    label: str
    name: str
    party_id: int | None
    blocks: int


class ReportPreviewOut(OutSchema):
    dry_run: bool
    title: str
    series: str
    version: int
    previous_id: int | None
    tier: str
    published_on: dt.date | None
    revision: str
    in_force: bool = Field(..., description="取り込むと現在の版になるか（公表日が現在の版より前なら false）")
    in_force_warning: str
    counts: dict[str, int]
    changes: dict[str, int] | None = Field(
        None, description="前の版と比べた約束の数（new / changed / unchanged / removed）"
    )
    parties: list[PartyRowOut]
    warnings: list[WarningOut]


def _report_bytes(payload: ReportImportIn) -> bytes:
    """The bytes of the report: ``text`` as UTF-8, or ``content_base64`` decoded (exactly one; as
    :func:`piaops.api.framework.file_bytes`: 400 otherwise, 413 over the upload limit)."""
    if bool(payload.text) == bool(payload.content_base64):
        message = "text（評価書のテキスト）か content_base64（評価書のファイル）のどちらか一方を指定してください。"
        raise ApiError(400, "invalid", message, [{"field": "text", "message": message}])
    if payload.text:
        return payload.text.encode("utf-8")
    limit = settings.PIAOPS_MAX_UPLOAD_BYTES
    if len(payload.content_base64 or "") > (limit + 2) // 3 * 4:  # checked before decoding
        raise ApiError(413, "too_large", f"ファイルが大きすぎます（上限 {limit:,} バイト）。")
    try:
        return base64.b64decode(payload.content_base64 or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        message = "content_base64 を Base64 として読めません。"
        raise ApiError(400, "invalid", message, [{"field": "content_base64", "message": message}]) from exc


def _reports(request: HttpRequest) -> Any:
    access.municipality_of(request.user)
    access.require(request.user, Perm.VIEW)
    return access.scoped(request.user, AssessmentReport)


@router.get("/reports", response=list[ReportOut], summary="評価書の一覧")
@paginate(CursorPagination)
def reports(request: HttpRequest) -> Any:
    return _reports(request)


# Declared before "/reports/{report_id}": URL patterns match in order, and "import" would be taken for an id.
@router.post(
    "/reports/import",
    response={200: ReportPreviewOut, 201: ReportOut},
    summary="評価書を取り込む（対象事務の評価書の次の版。dry_run は確認だけ。読めなければ 422 で行番号つき）",
)
def report_import(request: HttpRequest, payload: ReportImportIn) -> Status[Any]:
    municipality = access.municipality_of(request.user)
    works = list(access.scoped(request.user, Work).filter(pk__in=payload.work_ids))
    if len(works) != len(set(payload.work_ids)):  # another tenant's work does not exist for the caller
        raise ApiError(
            404, "not_found", "指定された事務が見つかりません。", [{"field": "work_ids", "message": "見つかりません。"}]
        )
    require_write(request, Perm.MANAGE_ASSESSMENTS)
    check_day(payload.published_on, "published_on")
    refuse_my_number(payload.file_name, field_label="file_name")
    data = _report_bytes(payload)
    tier = payload.tier.value if payload.tier else None
    revision = payload.revision.value if payload.revision else None
    try:
        if payload.dry_run:
            _read, plan = services.report_preview(
                municipality=municipality,
                works=works,
                data=data,
                filename=payload.file_name,
                tier=tier,
                published_on=payload.published_on,
                revision=revision,
            )
        else:
            report = services.report_import(
                municipality=municipality,
                works=works,
                data=data,
                filename=payload.file_name,
                user=api_user(request),
                tier=tier,
                published_on=payload.published_on,
                revision=revision,
            )
    except services.ReportImportError as exc:
        raise import_rejected([exc]) from exc
    if not payload.dry_run:
        return Status(201, report)
    return Status(
        200,
        {
            "dry_run": True,
            "title": plan.title,
            "series": plan.series,
            "version": plan.version,
            "previous_id": plan.previous.pk if plan.previous is not None else None,
            "tier": plan.tier,
            "published_on": plan.published_on,
            "revision": plan.revision,
            "in_force": not plan.older_than_in_force,
            "in_force_warning": plan.in_force_warning,
            "counts": plan.counts,
            "changes": plan.changes,
            "parties": [
                {"label": p.label, "name": p.name, "party_id": p.party.pk if p.party else None, "blocks": p.blocks}
                for p in plan.parties
            ],
            "warnings": [{"line": w.line, "message": w.message} for w in plan.warnings],
        },
    )


@router.get("/reports/{report_id}", response=ReportOut, summary="評価書")
def report(request: HttpRequest, report_id: int) -> AssessmentReport:
    return cast("AssessmentReport", access.get_or_404(request.user, _reports(request), pk=report_id))


@router.get(
    "/reports/{report_id}/fields",
    response=list[ReportFieldOut],
    summary="評価書の記載項目（基本情報・ファイルの概要・開示請求・評価実施手続）",
)
def fields(request: HttpRequest, report_id: int) -> Any:
    found: AssessmentReport = access.get_or_404(request.user, _reports(request), pk=report_id)
    return found.fields.order_by("order")


@router.get("/reports/{report_id}/commitments", response=list[CommitmentOut], summary="評価書の約束（対策）")
@paginate(CursorPagination)
def commitments(request: HttpRequest, report_id: int) -> Any:
    found: AssessmentReport = access.get_or_404(request.user, _reports(request), pk=report_id)
    return access.scoped(request.user, Commitment).filter(report=found)
