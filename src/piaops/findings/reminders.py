"""Reminders of follow-ups: N 開庁日 before the due date of an improvement plan, and when it is overdue.

Recipients: the unit's 所属長 and 所属担当者; for a unit without any (with an address), the 番号制度総括管理者."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from typing import Any

from piaops.core.reminders import Deadline, Reminder, addresses_for, admin_addresses, pk_path, unit_recipients
from piaops.findings.models import FindingStatus, FollowUp
from piaops.lib.fiscal import add_office_days, wareki

NOTICE_OFFICE_DAYS = 5


def collect(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Reminder]:
    qs = FollowUp.objects.filter(finding__status=FindingStatus.PLANNED, completed_on__isnull=True)
    if municipality_id is not None:
        qs = qs.filter(municipality_id=municipality_id)
    if unit_ids is not None:
        qs = qs.filter(finding__unit_id__in=list(unit_ids))
    followups = list(qs.select_related("finding", "finding__unit"))
    recipients = unit_recipients({f.municipality_id for f in followups})
    admins = admin_addresses({f.municipality_id for f in followups})
    finding_path = pk_path("findings:detail")
    for f in followups:
        finding = f.finding
        unit = finding.unit
        common: dict[str, Any] = {
            "municipality_id": f.municipality_id,
            "recipients": addresses_for(unit, recipients[f.municipality_id], admins[f.municipality_id]),
            "url": finding_path(finding.pk),
            "unit_id": unit.pk,
        }
        due = f"{wareki(f.due_date)}（{f.due_date.isoformat()}）"
        if today > f.due_date:
            yield Reminder(
                key=f"findings:followup:{f.pk}:{f.due_date.isoformat()}:overdue",
                subject=f"【改善計画】完了予定日を過ぎています（{unit.name}）",
                body=f"{unit.name} 御中\n\n指摘事項「{finding.title}」の改善の完了予定日 {due} を過ぎています。\n",
                overdue=True,
                **common,
            )
        elif today >= add_office_days(f.due_date, -NOTICE_OFFICE_DAYS):
            yield Reminder(
                key=f"findings:followup:{f.pk}:{f.due_date.isoformat()}:before-{NOTICE_OFFICE_DAYS}",
                subject=f"【改善計画】完了予定日が近づいています（{unit.name}）",
                body=f"{unit.name} 御中\n\n指摘事項「{finding.title}」の改善の完了予定日は {due} です。\n",
                **common,
            )


def deadlines(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Deadline]:
    """The due date of every improvement plan not yet completed."""
    qs = FollowUp.objects.filter(finding__status=FindingStatus.PLANNED, completed_on__isnull=True)
    if municipality_id is not None:
        qs = qs.filter(municipality_id=municipality_id)
    if unit_ids is not None:
        qs = qs.filter(finding__unit_id__in=list(unit_ids))
    finding_path = pk_path("findings:detail")
    for f in qs.select_related("finding", "finding__unit").order_by("pk"):
        yield Deadline(
            uid=f"findings-followup-{f.pk}",
            municipality_id=f.municipality_id,
            start=f.due_date,
            summary=f"【改善計画】完了予定日（{f.finding.unit.name}）",
            description=f"指摘事項「{f.finding.title}」の改善の完了予定日",
            url=finding_path(f.finding_id),
            unit_id=f.finding.unit_id,
        )
