"""``piaops assessment list --municipality 011002 [--json]``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser
from django.db.models import Count

from piaops.assessments.management.commands._common import municipality_by_code
from piaops.assessments.models import AssessmentReport
from piaops.core.commands import JsonCommand
from piaops.tenancy.rls import TenantCommand


class Command(JsonCommand, TenantCommand):
    help = "団体の評価書を版ごとに一覧表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", required=True, help="全国地方公共団体コード（例 011002）")
        parser.add_argument("--json", action="store_true", help="JSON で出力する")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = municipality_by_code(options["municipality"])
        reports = (
            AssessmentReport.objects.for_municipality(municipality)
            .annotate(n_commitments=Count("commitments"))
            .prefetch_related("works")
            .order_by("series", "-version")
        )
        rows = [
            {
                "id": r.pk,
                "series": r.series,
                "version": r.version,
                "status": r.status,
                "title": r.title,
                "works": [w.name for w in r.works.all()],
                "published_on": r.published_on.isoformat() if r.published_on else None,
                "next_full_reassessment_due": (
                    r.next_full_reassessment_due.isoformat() if r.next_full_reassessment_due else None
                ),
                "commitments": r.n_commitments,
            }
            for r in reports
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write("評価書はありません。")
        for row in rows:
            status = dict(AssessmentReport.Status.choices)[row["status"]]
            self.stdout.write(
                f"{row['id']:>5}  {row['series']} 第{row['version']}版 {status}  公表日 {row['published_on'] or '-'}"
                f"  約束 {row['commitments']}  {row['title']}"
            )
