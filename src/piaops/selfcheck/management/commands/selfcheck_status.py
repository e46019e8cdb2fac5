"""``piaops selfcheck status CAMPAIGN [--json]``: each unit's status, overdue ones marked."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from piaops.core.commands import JsonCommand
from piaops.selfcheck import results
from piaops.selfcheck.models import Campaign, ChecklistStatus


class Command(JsonCommand):
    help = "自己点検の所属ごとの状況を表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", type=int)
        parser.add_argument("--json", action="store_true", help="JSON で出力")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = Campaign.objects.filter(pk=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"自己点検 {options['campaign']} が見つかりません。")
        today = timezone.localdate()
        rows = [
            {
                "unit_code": c.unit.code,
                "unit": c.unit.name,
                "status": c.status,
                "status_label": str(ChecklistStatus(c.status).label),
                "round": c.round,
                "overdue": c.is_overdue(today),
            }
            for c in campaign.checklists.select_related("unit").order_by("unit__path")
        ]
        counts = results.progress(campaign)
        if options["json"]:
            data = {
                "campaign": campaign.pk,
                "fiscal_year": campaign.fiscal_year,
                "title": campaign.title,
                "deadline": campaign.deadline.isoformat(),
                "counts": counts,
                "overdue": sum(1 for r in rows if r["overdue"]),
                "units": rows,
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{campaign}（提出期限 {campaign.deadline.isoformat()}）")
        self.stdout.write(" / ".join(f"{ChecklistStatus(s).label} {n}" for s, n in counts.items()))
        for r in rows:
            late = "  期限超過" if r["overdue"] else ""
            self.stdout.write(f"{r['unit_code']}\t{r['unit']}\t{r['status_label']}{late}")
