"""PPC report deadlines as reminders: 2 開庁日 before each due date, and every day once overdue (one key a day
would spam; one key per stage is enough: the before-stage and the overdue-stage are each sent once)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator

from django.db.models import Q

from piaops.core.reminders import Deadline, Reminder, admin_addresses, pk_path, scoped_rows
from piaops.incidents.models import Incident
from piaops.lib.dates import local_date
from piaops.lib.fiscal import add_office_days

WARN_OFFICE_DAYS = 2


def _admins(municipality_id: int) -> tuple[str, ...]:
    return admin_addresses([municipality_id])[municipality_id]


def collect(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Reminder]:
    """Every PPC report that is due within two 開庁日 or overdue and not yet made (of one municipality / incidents
    reported by those units when given)."""
    horizon = add_office_days(today, WARN_OFFICE_DAYS)
    incidents = Incident.objects.ppc_reportable().open().filter(
        ppc_prompt_reported_on__isnull=True, ppc_prompt_due__lte=horizon
    ) | Incident.objects.ppc_reportable().filter(ppc_final_reported_on__isnull=True, ppc_final_due__lte=horizon)
    incidents = scoped_rows(incidents, municipality_id=municipality_id, unit_ids=unit_ids, unit="reporting_unit")
    recipients: dict[int, tuple[str, ...]] = {}
    detail_path = pk_path("incidents:detail")
    for incident in incidents.order_by("pk"):
        for stage, label, due, done in (
            ("prompt", "速報", incident.ppc_prompt_due, incident.ppc_prompt_reported_on),
            ("final", "確報", incident.ppc_final_due, incident.ppc_final_reported_on),
        ):
            if due is None or done is not None or due > horizon:
                continue
            if stage == "final" and incident.ppc_prompt_reported_on is None and due > today:
                continue  # the 速報 reminder comes first
            overdue = due < today
            if incident.municipality_id not in recipients:
                recipients[incident.municipality_id] = _admins(incident.municipality_id)
            state = "期限を過ぎています" if overdue else "期限が近づいています"
            yield Reminder(
                key=f"incidents:{incident.pk}:ppc-{stage}:{'overdue' if overdue else 'before'}",
                municipality_id=incident.municipality_id,
                recipients=recipients[incident.municipality_id],
                subject=f"【個人情報保護委員会への{label}】{state}：{incident.title}",
                body=(
                    f"事故「{incident.title}」（事態を知った日 {local_date(incident.detected_at).isoformat()}）の"
                    f"個人情報保護委員会への{label}の期限は{due.isoformat()}です。"
                    f"{state}。報告後、piaops に報告日を記録してください。"
                ),
                url=detail_path(incident.pk),
                unit_id=incident.reporting_unit_id,
                overdue=overdue,
            )


def deadlines(
    *, today: dt.date, municipality_id: int | None = None, unit_ids: Collection[int] | None = None
) -> Iterator[Deadline]:
    """The PPC 速報 and 確報 due dates of every reportable incident, until each report is made."""
    qs = Incident.objects.ppc_reportable().filter(
        Q(ppc_prompt_reported_on__isnull=True, ppc_prompt_due__isnull=False)
        | Q(ppc_final_reported_on__isnull=True, ppc_final_due__isnull=False)
    )
    qs = scoped_rows(qs, municipality_id=municipality_id, unit_ids=unit_ids, unit="reporting_unit")
    detail_path = pk_path("incidents:detail")
    for incident in qs.order_by("pk"):
        for stage, label, due, done in (
            ("prompt", "速報", incident.ppc_prompt_due, incident.ppc_prompt_reported_on),
            ("final", "確報", incident.ppc_final_due, incident.ppc_final_reported_on),
        ):
            if due is None or done is not None:
                continue
            yield Deadline(
                uid=f"incidents-{incident.pk}-ppc-{stage}",
                municipality_id=incident.municipality_id,
                start=due,
                summary=f"【個人情報保護委員会への{label}】期限：{incident.title}",
                description=f"事故「{incident.title}」の個人情報保護委員会への{label}の期限",
                url=detail_path(incident.pk),
                unit_id=incident.reporting_unit_id,
            )
