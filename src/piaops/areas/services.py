"""Writes of the areas app: areas, cards, authorisations, visits, mappings, and the monthly review sign-off."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from django.db import models, transaction
from django.utils import timezone

from piaops.areas.models import Area, MonthlyReview, ReviewComment
from piaops.areas.reconcile import month_bounds, reconcile
from piaops.audittrail.services import record_create, record_update, snapshot
from piaops.audittrail.transitions import record_transition
from piaops.tenancy import access
from piaops.tenancy.access import Perm
from piaops.tenancy.models import User

M = TypeVar("M", bound=models.Model)


class ReviewError(Exception):
    """A sign-off the rules refuse; ``str()`` is the Japanese message."""


@transaction.atomic
def save_record(*, obj: M, user: User | None) -> M:
    """Create or update one tenant-owned row (area, card, authorisation, visit, mapping) with its audit entry.

    These are single-model writes; they share this one function so each is validated and audited the same way.
    """
    creating = obj.pk is None
    before = {} if creating else snapshot(type(obj)._default_manager.get(pk=obj.pk))
    obj.full_clean()
    obj.save()
    municipality_id = obj.municipality_id  # type: ignore[attr-defined]
    if creating:
        record_create(obj, municipality_id=municipality_id)
    else:
        record_update(obj, before=before, municipality_id=municipality_id)
    return obj


def can_sign_off(user: User, area: Area) -> bool:
    """Who signs (and comments) an area's monthly review: ``Perm.AREA_SIGN_OFF`` for the unit that manages the area
    (the admin, or a 所属長 whose subtree holds it: the 情報システム部門); an area no unit manages, the admin only.
    The same rule as ``tenant_object(Area, perm=Perm.AREA_SIGN_OFF, unit="managing_unit")``."""
    unit = area.managing_unit
    if unit is None:
        return access.is_municipality_wide(user, Perm.AREA_SIGN_OFF)
    return access.has_perm(user, Perm.AREA_SIGN_OFF, unit=unit)


def review_for(*, area: Area, month: dt.date) -> MonthlyReview:
    """The review of ``area`` for the month (created, unsigned, on first use)."""
    start, _ = month_bounds(month)
    review, _ = MonthlyReview.objects.get_or_create(municipality_id=area.municipality_id, area=area, month=start)
    return review


@transaction.atomic
def review_comment(*, review: MonthlyReview, user: User | None, exception_key: str, comment: str) -> ReviewComment:
    review = MonthlyReview.objects.select_for_update().get(pk=review.pk)  # the caller's copy may predate a signature
    if review.status == MonthlyReview.Status.SIGNED:
        raise ReviewError("署名済みの確認記録は変更できません。")
    if not comment.strip():
        raise ReviewError("確認結果を入力してください。")
    existing = ReviewComment.objects.filter(review=review, exception_key=exception_key).first()
    before = snapshot(existing) if existing else None
    obj = existing or ReviewComment(municipality_id=review.municipality_id, review=review, exception_key=exception_key)
    obj.comment = comment.strip()
    obj.author = user
    obj.full_clean()
    obj.save()
    if before is None:
        record_create(obj, municipality_id=review.municipality_id)
    else:
        record_update(obj, before=before, municipality_id=review.municipality_id)
    return obj


def month_has_ended(month: dt.date, today: dt.date) -> bool:
    """A month can be signed from the first day of the next month (Japan time): only then is its log complete."""
    return today > month_bounds(month)[1]


@transaction.atomic
def review_sign_off(*, review: MonthlyReview, user: User, summary: str, today: dt.date | None = None) -> MonthlyReview:
    """Sign the month off: the month must have ended and every exception must carry a comment; the count is
    frozen with the signature, and door-log imports into the month are refused until it is re-opened."""
    review = MonthlyReview.objects.select_for_update().get(pk=review.pk)
    if review.status == MonthlyReview.Status.SIGNED:
        raise ReviewError("この月の確認はすでに署名済みです。")
    today = today or timezone.localdate()
    if not month_has_ended(review.month, today):
        _, end = month_bounds(review.month)
        raise ReviewError(
            f"{review.month.year}年{review.month.month}月の確認は、月が終わってから"
            f"（{(end + dt.timedelta(days=1)).isoformat()}以降に）署名できます。"
        )
    exceptions = reconcile(area=review.area, month=review.month)
    commented = set(review.comments.values_list("exception_key", flat=True))
    missing = [e for e in exceptions if e.key not in commented]
    if missing:
        raise ReviewError(
            f"確認結果が未記入の例外が{len(missing)}件あります。すべての例外に確認結果を記入してください。"
        )
    review.summary = summary
    review.exception_count = len(exceptions)
    review.signed_by = user
    review.signed_at = timezone.now()
    record_transition(
        review,  # a model's _meta is a ClassVar, the Protocol's is not
        to=MonthlyReview.Status.SIGNED,
        by=user,
        summary="入退室記録の月次確認に署名",
        extra={"exception_count": review.exception_count},
    )
    review.full_clean()
    review.save()
    return review


@transaction.atomic
def review_reopen(*, review: MonthlyReview, user: User, reason: str) -> MonthlyReview:
    """Re-open a signed month (the admin, with a reason): the signature is withdrawn, imports into the month are
    accepted again, and the month must be signed again. Who, when and why stay in the history and the trail."""
    review = MonthlyReview.objects.select_for_update().get(pk=review.pk)
    if review.status != MonthlyReview.Status.SIGNED:
        raise ReviewError("署名済みの月だけ再開できます。")
    if not reason.strip():
        raise ReviewError("再開の理由を入力してください。")
    withdrawn = {
        "signed_by": review.signed_by_id,
        "signed_at": review.signed_at,
        "exception_count": review.exception_count,
    }
    review.signed_by = None
    review.signed_at = None
    record_transition(
        review,  # a model's _meta is a ClassVar, the Protocol's is not
        to=MonthlyReview.Status.OPEN,
        by=user,
        summary="署名済みの月次確認を再開（再署名が必要）",
        note=reason.strip(),
        extra={"withdrawn": withdrawn},
    )
    review.full_clean()
    review.save()
    return review
