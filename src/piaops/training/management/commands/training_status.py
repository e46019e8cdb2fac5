"""``piaops training status --municipality 011002 [--as-of 2026-11-25] [--json]``: people per status."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from piaops.core.commands import JsonCommand
from piaops.lib.dates import DateReadError, read_date
from piaops.tenancy.models import Municipality
from piaops.tenancy.rls import TenantCommand
from piaops.training.compliance import Status, municipality_counts


class Command(JsonCommand, TenantCommand):
    help = "受講要件ごとに、受講済・未受講（期限内）・期限超過・対象外の人数を表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="全国地方公共団体コード（6桁）")
        parser.add_argument("--as-of", help="基準日（YYYY-MM-DD、省略時は今日）")
        parser.add_argument("--json", action="store_true", help="JSONで出力")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            municipality = Municipality.objects.get(code=options["municipality"])
        except Municipality.DoesNotExist as exc:
            raise CommandError(f"団体コード {options['municipality']} の団体が登録されていません。") from exc
        try:
            as_of = read_date(options["as_of"]) or timezone.localdate()
        except DateReadError as exc:
            raise CommandError(f"--as-of: {exc}") from exc
        requirements, counts = municipality_counts(municipality, as_of)
        statuses = [s.value for s in Status]
        if options["json"]:
            payload = {
                "municipality": municipality.code,
                "as_of": as_of.isoformat(),
                "requirements": [
                    {"id": r.pk, "name": r.name, "counts": {s: counts[r.pk][s] for s in statuses}} for r in requirements
                ],
                "total": {s: sum(counts[r.pk][s] for r in requirements) for s in statuses},
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{municipality} 基準日 {as_of.isoformat()}")
        # Counts first, name last: Japanese names are full-width, so a name column would not align.
        self.stdout.write("".join(str(s.label).rjust(8, "\u3000") for s in Status) + "\u3000受講要件")
        for r in requirements:
            self.stdout.write("".join(str(counts[r.pk][s]).rjust(16) for s in statuses) + f"  {r.name}")
        if not requirements:
            self.stdout.write("有効な受講要件がありません。")
