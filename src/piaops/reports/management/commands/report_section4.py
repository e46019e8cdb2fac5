"""``piaops report section4 --assessment ID --fy 2026 --format pdf|xlsx|text --out FILE``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from piaops.assessments.models import AssessmentReport
from piaops.lib.fiscal import fiscal_year
from piaops.reports.section4 import build
from piaops.reports.section4_export import FORMATS, export


class Command(BaseCommand):
    help = "評価書Ⅳ（その他のリスク対策）の評価と根拠資料を出力する"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--assessment", type=int, required=True, help="評価書の ID（assessment list で確認）")
        parser.add_argument("--fy", type=int, help="年度（西暦、省略時は今年度）")
        parser.add_argument("--format", choices=FORMATS, default="text")
        parser.add_argument("--out", required=True, help="出力先ファイル")

    def handle(self, *args: Any, **options: Any) -> None:
        report = AssessmentReport.objects.filter(pk=options["assessment"]).select_related("municipality").first()
        if report is None:
            raise CommandError(f"ID {options['assessment']} の評価書が見つかりません。")
        today = timezone.localdate()
        fy = options["fy"] or fiscal_year(today)
        s4 = build(report, fiscal_year=fy, today=today)
        file = export(s4, fmt=options["format"])
        Path(options["out"]).write_bytes(file.content)
        self.stdout.write(f"{options['out']} に出力しました（{options['format']}、{len(file.content)} バイト）。")
