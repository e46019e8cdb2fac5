"""Writes of the reviews app. Every function is one transaction and writes its audit entries itself; the view,
the CLI and the demo call these and nothing else."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from piaops.assessments.models import AssessmentReport
from piaops.audittrail.models import Action
from piaops.audittrail.services import record, record_create, record_update, snapshot
from piaops.lib.dates import local_date
from piaops.lib.fiscal import fiscal_year_end
from piaops.reviews import candidates as rules
from piaops.reviews.models import Candidate, Decision, Review, ReviewStatus
from piaops.tenancy.models import User


class ReviewError(Exception):
    """A change the rules refuse; ``str()`` is the Japanese message."""


def _open_only(review: Review) -> None:
    if review.is_signed:
        raise ReviewError("署名済みの見直しは変更できません。変更するには見直しを再開してください。")


def version_in_force_since(report: AssessmentReport) -> dt.date:
    """The day the version in force started: its 公表日, else the day it was imported."""
    return report.published_on or local_date(report.imported_at)


@transaction.atomic
def review_open(
    *,
    report: AssessmentReport,
    fiscal_year: int,
    user: User | None,
    subjects: int | None = None,
    handlers: int | None = None,
    figures_source: str = "",
    today: dt.date | None = None,
) -> Review:
    """Open the 見直し of ``report`` for ``fiscal_year`` and compute its candidates. The 基準日 of the しきい値判断 is
    today, or the end of the 年度 when it is already over."""
    if report.is_superseded:
        raise ReviewError("旧版の評価書は見直しの対象になりません。現行の版を選んでください。")
    if Review.objects.filter(report=report, fiscal_year=fiscal_year).exists():
        raise ReviewError(f"{fiscal_year}年度の見直しはこの評価書について既にあります。")
    today = today or timezone.localdate()
    review = Review(
        municipality_id=report.municipality_id,
        report=report,
        fiscal_year=fiscal_year,
        since=version_in_force_since(report),
        as_of=min(today, fiscal_year_end(fiscal_year)),
        subjects=subjects,
        handlers=handlers,
        figures_source=figures_source,
    )
    review.full_clean()
    review.save()
    record_create(review, municipality_id=review.municipality_id, summary="見直しを開始")
    _refresh(review)
    return review


def _refresh(review: Review) -> list[Candidate]:
    """Store the candidates the records show that the review does not hold yet (by key); decided ones stay."""
    known = set(review.candidates.values_list("key", flat=True))
    added = []
    for draft in rules.compute(review):
        if draft.key in known:
            continue
        known.add(draft.key)
        candidate = Candidate.objects.create(
            municipality_id=review.municipality_id,
            review=review,
            kind=draft.kind,
            key=draft.key,
            title=draft.title[:300],
            detail=draft.detail,
            occurred_on=draft.occurred_on,
        )
        record_create(candidate, municipality_id=review.municipality_id, summary="変更の候補を検出")
        added.append(candidate)
    return added


@transaction.atomic
def candidates_refresh(*, review: Review, user: User | None) -> list[Candidate]:
    """Look at the records again and add the new candidates; returns those added."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    _open_only(review)
    return _refresh(review)


@transaction.atomic
def figures_record(*, review: Review, subjects: int, handlers: int, figures_source: str, user: User | None) -> Review:
    """Record 対象人数 and 取扱者数 (基礎項目評価書 Ⅱ) on the review, then look for the candidates they make."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    _open_only(review)
    before = snapshot(review)
    review.subjects, review.handlers, review.figures_source = subjects, handlers, figures_source
    review.full_clean()
    review.save(update_fields=["subjects", "handlers", "figures_source"])
    record_update(review, before=before, municipality_id=review.municipality_id, summary="対象人数・取扱者数を記録")
    _refresh(review)
    return review


@transaction.atomic
def candidate_decide(
    *,
    candidate: Candidate,
    decision: str,
    reason: str,
    reassessment_due: dt.date | None,
    user: User | None,
) -> Candidate:
    """The reviewer's decision on one candidate. Every decision needs its reason; a 重要な変更 needs the due date of
    the re-assessment, which must come before the change (規則: 重要な変更は変更前に再評価)."""
    candidate = Candidate.objects.select_for_update().select_related("review").get(pk=candidate.pk)
    _open_only(candidate.review)
    if decision not in Decision.values:
        raise ReviewError("判断を選んでください。")
    if not reason.strip():
        raise ReviewError("判断の理由を書いてください。")
    if decision == Decision.SIGNIFICANT and reassessment_due is None:
        raise ReviewError("重要な変更には、変更前に行う再評価の期限を入れてください。")
    before = snapshot(candidate)
    candidate.decision = decision
    candidate.reason = reason.strip()
    candidate.reassessment_due = reassessment_due if decision == Decision.SIGNIFICANT else None
    candidate.decided_at = timezone.now()
    candidate.decided_by = user
    candidate.save()
    record_update(
        candidate,
        before=before,
        municipality_id=candidate.municipality_id,
        summary=f"変更の候補を判断：{Decision(decision).label}",
    )
    return candidate


@transaction.atomic
def review_sign(*, review: Review, user: User | None) -> Review:
    """Sign the review: the figures are recorded and every candidate is decided. The review is then frozen."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    _open_only(review)
    if review.subjects is None or review.handlers is None:
        raise ReviewError("署名の前に、対象人数と取扱者数を記録してください（しきい値判断に使います）。")
    open_count = review.candidates.filter(decision="").count()
    if open_count:
        raise ReviewError(f"判断していない変更の候補が{open_count}件あります。すべて判断してから署名してください。")
    review.status, review.signed_at, review.signed_by = ReviewStatus.SIGNED, timezone.now(), user
    review.save(update_fields=["status", "signed_at", "signed_by"])
    comparison = rules.recomputed(review)
    record(
        action=Action.TRANSITION,
        municipality_id=review.municipality_id,
        obj=review,
        before={"status": ReviewStatus.OPEN},
        after={"status": ReviewStatus.SIGNED, "required": comparison.required.label if comparison else ""},
        summary="見直しに署名",
    )
    return review


@transaction.atomic
def review_reopen(*, review: Review, reason: str, user: User | None) -> Review:
    """The explicit, recorded re-opening of a signed review (with its reason)."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if not review.is_signed:
        raise ReviewError("この見直しは署名されていません。")
    if not reason.strip():
        raise ReviewError("再開の理由を書いてください。")
    review.status, review.signed_at, review.signed_by = ReviewStatus.OPEN, None, None
    review.save(update_fields=["status", "signed_at", "signed_by"])
    record(
        action=Action.TRANSITION,
        municipality_id=review.municipality_id,
        obj=review,
        before={"status": ReviewStatus.SIGNED},
        after={"status": ReviewStatus.OPEN, "reason": reason.strip()},
        summary="署名済みの見直しを再開",
    )
    return review
