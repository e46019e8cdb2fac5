"""``piaops oscal export --assessment ID --fy 2026 --model MODEL --out FILE``.

MODEL is one of catalog, assessment-plan, assessment-results, poam (see ``piaops.reports.oscal``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from piaops.assessments.models import AssessmentReport
from piaops.lib.fiscal import fiscal_year
from piaops.reports.oscal import MODELS, NothingToExport, export


class Command(BaseCommand):
    help = "評価書と年度の自己点検・監査・指摘事項を OSCAL（JSON）で出力する"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--assessment", type=int, required=True, help="評価書の ID（assessment list で確認）")
        parser.add_argument("--fy", type=int, help="年度（西暦、省略時は今年度）")
        parser.add_argument("--model", choices=MODELS, required=True, help="出力する OSCAL モデル")
        parser.add_argument("--out", required=True, help="出力先ファイル（JSON）")

    def handle(self, *args: Any, **options: Any) -> None:
        report = AssessmentReport.objects.filter(pk=options["assessment"]).select_related("municipality").first()
        if report is None:
            raise CommandError(f"ID {options['assessment']} の評価書が見つかりません。")
        now = timezone.now()
        fy = options["fy"] or fiscal_year(timezone.localdate())
        try:
            file = export(report, model=options["model"], fiscal_year=fy, now=now)
        except NothingToExport as exc:
            raise CommandError(str(exc)) from exc
        Path(options["out"]).write_bytes(file.content)
        self.stdout.write(f"{options['out']} に出力しました（OSCAL {options['model']}、{len(file.content)} バイト）。")
