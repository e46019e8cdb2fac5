"""Reminders of follow-ups: N 開庁日 before the due date of an improvement plan, and when it is overdue.

Recipients: the unit's 所属長 and 所属担当者; for a unit without any (with an address), the 番号制度総括管理者."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator

from django.db.models import QuerySet

from piaops.core.reminders import Deadline, Reminder, pk_path, scoped_rows, unit_rows
from piaops.findings.models import FindingStatus, FollowUp
from piaops.lib.fiscal import add_office_days, wareki

NOTICE_OFFICE_DAYS = 5


def _pending(municipality_id: int | None, unit_ids: Collection[int] | None) -> QuerySet[FollowUp]:
    """The improvement plans not yet completed (of one municipality / findings of those units when given)."""
    qs = FollowUp.objects.filter(finding__status=FindingStatus.PLANNED, completed_on__isnull=True)
    qs = scoped_rows(qs, municipality_id=municipality_id, unit_ids=unit_ids, unit="finding__unit")
    return qs.select_related("finding", "finding__unit")


def collect(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Reminder]:
    finding_path = pk_path("findings:detail")
    pending = _pending(municipality_id, unit_ids)
    for f, remind in unit_rows(pending, unit=lambda f: f.finding.unit, url=lambda f: finding_path(f.finding_id)):
        finding = f.finding
        unit = finding.unit
        due = f"{wareki(f.due_date)}（{f.due_date.isoformat()}）"
        if today > f.due_date:
            yield remind(
                key=f"findings:followup:{f.pk}:{f.due_date.isoformat()}:overdue",
                subject=f"【改善計画】完了予定日を過ぎています（{unit.name}）",
                body=f"{unit.name} 御中\n\n指摘事項「{finding.title}」の改善の完了予定日 {due} を過ぎています。\n",
                overdue=True,
            )
        elif today >= add_office_days(f.due_date, -NOTICE_OFFICE_DAYS):
            yield remind(
                key=f"findings:followup:{f.pk}:{f.due_date.isoformat()}:before-{NOTICE_OFFICE_DAYS}",
                subject=f"【改善計画】完了予定日が近づいています（{unit.name}）",
                body=f"{unit.name} 御中\n\n指摘事項「{finding.title}」の改善の完了予定日は {due} です。\n",
            )


def deadlines(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Deadline]:
    """The due date of every improvement plan not yet completed."""
    finding_path = pk_path("findings:detail")
    for f in _pending(municipality_id, unit_ids).order_by("pk"):
        yield Deadline(
            uid=f"findings-followup-{f.pk}",
            municipality_id=f.municipality_id,
            start=f.due_date,
            summary=f"【改善計画】完了予定日（{f.finding.unit.name}）",
            description=f"指摘事項「{f.finding.title}」の改善の完了予定日",
            url=finding_path(f.finding_id),
            unit_id=f.finding.unit_id,
        )
