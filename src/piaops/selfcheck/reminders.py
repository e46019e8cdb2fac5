"""Reminders of self-inspection: N 開庁日 before the deadline, when overdue, and when a checklist is returned.

Recipients are the 所属長 and 所属担当者 whose grant covers the unit (their own unit or one above it); for a unit
without any (with an address), the 番号制度総括管理者.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator

from django.db.models import QuerySet

from piaops.core.reminders import Deadline, Reminder, pk_path, scoped_rows, unit_rows
from piaops.lib.fiscal import add_office_days, wareki
from piaops.selfcheck.models import EDITABLE, CampaignStatus, Checklist, ChecklistStatus


def _open(municipality_id: int | None, unit_ids: Collection[int] | None) -> QuerySet[Checklist]:
    """The open checklists of launched campaigns (of one municipality / those units when given)."""
    qs = Checklist.objects.filter(campaign__status=CampaignStatus.LAUNCHED, status__in=EDITABLE)
    return scoped_rows(qs, municipality_id=municipality_id, unit_ids=unit_ids).select_related("campaign", "unit")


def collect(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Reminder]:
    """Open checklists of launched campaigns (of one municipality / those units when given)."""
    checklist_path = pk_path("selfcheck:checklist")
    checklists = _open(municipality_id, unit_ids)
    for c, remind in unit_rows(checklists, unit=lambda c: c.unit, url=lambda c: checklist_path(c.pk)):
        campaign = c.campaign
        deadline = f"{wareki(campaign.deadline)}（{campaign.deadline.isoformat()}）"
        if today > campaign.deadline:
            yield remind(
                key=f"selfcheck:checklist:{c.pk}:overdue",
                subject=f"【自己点検】提出期限を過ぎています（{c.unit.name}）",
                body=(
                    f"{c.unit.name} 御中\n\n{campaign}の自己点検票が、"
                    f"提出期限 {deadline} を過ぎても提出されていません。\n"
                    f"至急、所属長の確認のうえ提出してください。\n"
                ),
                overdue=True,
            )
            continue
        if c.status == ChecklistStatus.RETURNED:
            yield remind(
                key=f"selfcheck:checklist:{c.pk}:returned-{c.round}",
                subject=f"【自己点検】自己点検票が差し戻されました（{c.unit.name}）",
                body=(
                    f"{c.unit.name} 御中\n\n{campaign}の自己点検票が差し戻されました。"
                    f"コメントを確認し、再提出してください（期限 {deadline}）。\n"
                ),
            )
        notice_from = add_office_days(campaign.deadline, -campaign.reminder_office_days)
        if today >= notice_from:
            yield remind(
                key=f"selfcheck:checklist:{c.pk}:before-{campaign.reminder_office_days}",
                subject=f"【自己点検】提出期限が近づいています（{c.unit.name}）",
                body=(
                    f"{c.unit.name} 御中\n\n{campaign}の自己点検票の提出期限は {deadline} です。\n"
                    f"現在の状態: {ChecklistStatus(c.status).label}。期限までに提出してください。\n"
                ),
            )


def deadlines(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Deadline]:
    """The submission deadline of every open checklist of a launched campaign (``today`` is not needed: an open
    checklist stays on the calendar past its deadline)."""
    checklist_path = pk_path("selfcheck:checklist")
    for c in _open(municipality_id, unit_ids).order_by("pk"):
        yield Deadline(
            uid=f"selfcheck-checklist-{c.pk}",
            municipality_id=c.municipality_id,
            start=c.campaign.deadline,
            summary=f"【自己点検】提出期限（{c.unit.name}）",
            description=f"{c.campaign}の自己点検票の提出期限。現在の状態: {ChecklistStatus(c.status).label}",
            url=checklist_path(c.pk),
            unit_id=c.unit_id,
        )
