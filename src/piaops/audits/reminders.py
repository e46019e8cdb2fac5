"""Escalation of audit follow-ups (``piaops remind`` sends what ``collect`` yields, once per key).

The unit is told first: ``piaops.findings.reminders`` mails the unit (所属長・担当者) before the due date and on
the first overdue day, and this module mails the 所属長 when an audit finding still has no improvement plan
``PLAN_OFFICE_DAYS`` 開庁日 after it was made. When an audit follow-up is still open ``ESCALATE_OFFICE_DAYS``
開庁日 after its due date (or a finding has no plan ``PLAN_OFFICE_DAYS + ESCALATE_OFFICE_DAYS`` 開庁日 after it was
made), the 番号制度総括部門 is mailed (admins and the governance unit's people). Every reminder also shows on the
home page (the unit's and the admin's).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator
from typing import Any

from piaops.audits.models import Audit, AuditStatus
from piaops.core.reminders import Deadline, Reminder, pk_path, recipient_grants, scoped_rows
from piaops.findings.models import Finding, FindingStatus, FollowUp
from piaops.lib.dates import local_date
from piaops.lib.fiscal import add_office_days, wareki
from piaops.tenancy.models import Role

PLAN_OFFICE_DAYS = 20
ESCALATE_OFFICE_DAYS = 5


def _recipients(municipality_ids: set[int]) -> tuple[dict[int, list[tuple[str, str]]], dict[int, tuple[str, ...]]]:
    """Per municipality: (unit path, e-mail) of the 所属長, and the governance division's addresses."""
    heads: dict[int, list[tuple[str, str]]] = defaultdict(list)
    governance: dict[int, set[str]] = defaultdict(set)
    for g in recipient_grants(municipality_ids):
        if not g.email:
            continue
        if g.role == Role.UNIT_HEAD and g.unit_path is not None:
            heads[g.municipality_id].append((g.unit_path, g.email))
            if g.unit_is_governance:
                governance[g.municipality_id].add(g.email)
        elif g.role == Role.ADMIN:
            governance[g.municipality_id].add(g.email)
    return heads, {m: tuple(sorted(v)) for m, v in governance.items()}


def collect(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Reminder]:
    qs = Finding.objects.filter(source_type="audits.item", status__in=[FindingStatus.OPEN, FindingStatus.PLANNED])
    qs = scoped_rows(qs, municipality_id=municipality_id, unit_ids=unit_ids)
    findings = list(qs.select_related("unit").order_by("pk"))
    followups = {f.finding_id: f for f in FollowUp.objects.filter(finding__in=findings, completed_on__isnull=True)}
    heads, governance = _recipients({f.municipality_id for f in findings})
    finding_path = pk_path("findings:detail")
    for finding in findings:
        unit = finding.unit
        url = finding_path(finding.pk)
        to_head = tuple(sorted({e for path, e in heads[finding.municipality_id] if unit.path.startswith(path)}))
        to_gov = governance.get(finding.municipality_id, ())
        common: dict[str, Any] = {
            "municipality_id": finding.municipality_id,
            "url": url,
            "unit_id": unit.pk,
            "overdue": True,
        }
        if finding.status == FindingStatus.OPEN:
            made = local_date(finding.created_at)
            plan_due = add_office_days(made, PLAN_OFFICE_DAYS)
            if today > add_office_days(plan_due, ESCALATE_OFFICE_DAYS):
                yield Reminder(
                    key=f"audits:finding:{finding.pk}:no-plan:governance",
                    recipients=to_gov,
                    subject=f"【監査・要対応】改善計画が提出されていません（{unit.name}）",
                    body=f"番号制度総括部門 御中\n\n{unit.name} の監査指摘事項「{finding.title}」の改善計画が、"
                    f"期限 {wareki(plan_due)} を過ぎても提出されていません。\n",
                    **common,
                )
            elif today > plan_due:
                yield Reminder(
                    key=f"audits:finding:{finding.pk}:no-plan:head",
                    recipients=to_head,
                    subject=f"【監査】改善計画を提出してください（{unit.name}）",
                    body=f"{unit.name} 所属長 様\n\n監査指摘事項「{finding.title}」の改善計画の提出期限 "
                    f"{wareki(plan_due)} を過ぎています。\n",
                    **common,
                )
            continue
        fu = followups.get(finding.pk)
        if fu is None:
            continue
        if today > add_office_days(fu.due_date, ESCALATE_OFFICE_DAYS):
            yield Reminder(
                key=f"audits:followup:{fu.pk}:{fu.due_date.isoformat()}:governance",
                recipients=to_gov,
                subject=f"【監査・要対応】改善の完了予定日を過ぎています（{unit.name}）",
                body=f"番号制度総括部門 御中\n\n{unit.name} の監査指摘事項「{finding.title}」の改善が、完了予定日 "
                f"{wareki(fu.due_date)}（{fu.due_date.isoformat()}）を過ぎても完了していません。"
                f"担当者: {fu.responsible or '未設定'}\n",
                **common,
            )


def deadlines(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Deadline]:
    """The planned days of every audit not yet completed (an all-day span, on the audited unit's calendar)."""
    qs = Audit.objects.filter(status__in=[AuditStatus.PLANNED, AuditStatus.IN_PROGRESS])
    qs = scoped_rows(qs, municipality_id=municipality_id, unit_ids=unit_ids)
    audit_path = pk_path("audits:audit")
    for a in qs.select_related("unit").order_by("pk"):
        yield Deadline(
            uid=f"audits-audit-{a.pk}",
            municipality_id=a.municipality_id,
            start=a.planned_start,
            end=a.planned_end,
            summary=f"【監査】{a.get_audit_type_display()}（{a.unit.name}）",
            description=f"{a.unit.name} の{a.get_audit_type_display()}の実施予定日",
            url=audit_path(a.pk),
            unit_id=a.unit_id,
        )
