"""Re-assessments decided in a 見直し as reminders: a 重要な変更 needs the re-assessment before the change, so its due
date is reminded 10 開庁日 before and once overdue, until a newer version of the report exists (the re-assessment
was imported). No unit: the 番号制度総括部門 does the re-assessment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator

from piaops.core.reminders import Deadline, Reminder, admin_addresses, pk_path, scoped_rows
from piaops.lib.fiscal import add_office_days
from piaops.reviews.models import Candidate, Decision

WARN_OFFICE_DAYS = 10


def _pending(municipality_id: int | None, unit_ids: Collection[int] | None) -> list[Candidate]:
    qs = Candidate.objects.filter(
        decision=Decision.SIGNIFICANT, reassessment_due__isnull=False, review__report__successors__isnull=True
    ).select_related("review__report")
    # Not a unit's deadline: the 番号制度総括部門 re-assesses (none for a unit_ids filter).
    return list(scoped_rows(qs, municipality_id=municipality_id, unit_ids=unit_ids, unit=None).order_by("pk"))


def collect(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Reminder]:
    horizon = add_office_days(today, WARN_OFFICE_DAYS)
    due_soon = [c for c in _pending(municipality_id, unit_ids) if c.reassessment_due and c.reassessment_due <= horizon]
    addresses = admin_addresses({c.municipality_id for c in due_soon})
    detail_path = pk_path("reviews:detail")
    for c in due_soon:
        assert c.reassessment_due is not None
        overdue = c.reassessment_due < today
        state = "期限を過ぎています" if overdue else "期限が近づいています"
        report = c.review.report
        yield Reminder(
            key=f"reviews:candidate:{c.pk}:reassessment:{'overdue' if overdue else 'before'}",
            municipality_id=c.municipality_id,
            recipients=addresses[c.municipality_id],
            subject=f"【重要な変更の再評価】{state}：{report.title}",
            body=(
                f"見直しで重要な変更と判断した「{c.title}」について、変更前に行う再評価の期限は"
                f"{c.reassessment_due.isoformat()}です。{state}。再評価した評価書を取り込むと、この通知は止まります。"
            ),
            url=detail_path(c.review_id),
            overdue=overdue,
        )


def deadlines(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Deadline]:
    detail_path = pk_path("reviews:detail")
    for c in _pending(municipality_id, unit_ids):
        assert c.reassessment_due is not None
        yield Deadline(
            uid=f"reviews-candidate-{c.pk}-reassessment",
            municipality_id=c.municipality_id,
            start=c.reassessment_due,
            summary=f"【重要な変更の再評価】期限：{c.review.report.title}",
            description=f"見直しで重要な変更と判断した「{c.title}」の再評価の期限（変更の前に）",
            url=detail_path(c.review_id),
        )
