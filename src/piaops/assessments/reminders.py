"""Reminders of the assessments app: the re-assessment due 5 years after the last 再実施 or 重要な変更による再評価
(特定個人情報保護評価に関する規則第15条: 5年を経過する前に再実施するよう努める; a 修正 does not restart it).

A current, published report gets one reminder per stage — 365, 180 and 90 days before the due
date, and when it is overdue — and only the latest stage reached is collected (a first run on an old database
does not send three at once). Importing a newer version supersedes the report and so resolves its reminders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator

from django.db.models import QuerySet

from piaops.assessments.models import AssessmentReport, with_reassessed_on
from piaops.assessments.vocab import Revision
from piaops.core.reminders import Deadline, Reminder, admin_addresses, pk_path, scoped_rows
from piaops.lib.fiscal import wareki
from piaops.tenancy.models import OrgUnit

STAGES: list[tuple[str, int]] = [("before-365", 365), ("before-180", 180), ("before-90", 90), ("overdue", 0)]


def _stage(today: dt.date, due: dt.date) -> tuple[str, int] | None:
    reached = [(name, days) for name, days in STAGES if today >= due - dt.timedelta(days=days)]
    return reached[-1] if reached else None


def collect(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterable[Reminder]:
    """The re-assessment reminders (of one municipality when given; with ``unit_ids``, only when the governance
    unit, which these reminders belong to, is one of them)."""
    return list(_collect(today, municipality_id, unit_ids))


def _published(
    municipality_id: int | None, unit_ids: Collection[int] | None
) -> tuple[QuerySet[AssessmentReport], dict[int, int]]:
    """The current published reports (of one municipality when given) and, per municipality, its governance unit —
    the unit these reminders and deadlines belong to; with ``unit_ids``, only of the municipalities whose governance
    unit is one of them."""
    reports = AssessmentReport.objects.current().filter(
        status=AssessmentReport.Status.PUBLISHED, published_on__isnull=False
    )
    units = OrgUnit.objects.filter(is_governance=True)
    reports = scoped_rows(reports, municipality_id=municipality_id, unit_ids=None)
    units = scoped_rows(units, municipality_id=municipality_id, unit_ids=None)
    governance: dict[int, int] = dict(units.values_list("municipality_id", "pk"))
    if unit_ids is not None:
        wanted = set(unit_ids)
        governance = {m: u for m, u in governance.items() if u in wanted}
        reports = reports.filter(municipality_id__in=list(governance))
    return reports, governance


def _collect(today: dt.date, municipality_id: int | None, unit_ids: Collection[int] | None) -> Iterator[Reminder]:
    reports, governance = _published(municipality_id, unit_ids)
    admins: dict[int, tuple[str, ...]] = {}
    detail_path = pk_path("assessments:detail")
    for report in with_reassessed_on(list(reports.order_by("municipality_id", "pk"))):
        due = report.next_full_reassessment_due
        assert due is not None
        stage = _stage(today, due)
        if stage is None:
            continue
        name, _ = stage
        if report.municipality_id not in admins:
            admins[report.municipality_id] = admin_addresses([report.municipality_id])[report.municipality_id]
        overdue = name == "overdue"
        when = f"{due.isoformat()}（{wareki(due)}）"
        tier = report.get_tier_display()
        subject = (
            f"【5年経過】{tier}の再実施：{report.title}"
            if overdue
            else f"{tier}の再実施（5年以内）が近づいています：{report.title}"
        )
        body = (
            f"評価書「{report.title}」（{tier}、第{report.version}版）は、直近の再実施・再評価の公表日"
            f" {report.reassessed_on} から5年を経過する {when} の前に、{tier}を再実施するよう努めるものとされています"
            f"（特定個人情報保護評価に関する規則第15条）。"
            + ("5年を経過しました。" if overdue else "")
            + f"再実施した評価書を版の種類「{Revision.REASSESSMENT.label}」で取り込むと、この通知は解消されます"
            "（「修正」として取り込んだ版は起点になりません）。"
        )
        yield Reminder(
            key=f"assessments:reassessment:{report.pk}:{name}",
            municipality_id=report.municipality_id,
            recipients=admins[report.municipality_id],
            subject=subject,
            body=body,
            url=detail_path(report.pk),
            unit_id=governance.get(report.municipality_id),
            overdue=overdue,
        )


def deadlines(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Deadline]:
    """The full re-assessment due date of every current published report (on the governance unit, as
    ``collect``)."""
    reports, governance = _published(municipality_id, unit_ids)
    detail_path = pk_path("assessments:detail")
    for report in with_reassessed_on(list(reports.order_by("pk"))):
        due = report.next_full_reassessment_due
        assert due is not None
        yield Deadline(
            uid=f"assessments-reassessment-{report.pk}",
            municipality_id=report.municipality_id,
            start=due,
            summary=f"【{report.get_tier_display()}の再実施（5年）】{report.title}",
            description=(
                f"評価書「{report.title}」（第{report.version}版）: 直近の再実施・再評価の公表日"
                f" {report.reassessed_on} から5年（規則第15条、努力義務）"
            ),
            url=detail_path(report.pk),
            unit_id=governance.get(report.municipality_id),
        )
