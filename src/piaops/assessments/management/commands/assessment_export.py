"""``piaops assessment export ID --format text|json|xlsx [--out FILE]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from piaops.assessments.exports import FORMATS, report_export
from piaops.assessments.management.commands._common import cli_actor, municipality_by_code
from piaops.assessments.models import AssessmentReport
from piaops.audittrail.context import acting_as
from piaops.tenancy.rls import TenantCommand


class Command(TenantCommand):
    help = "評価書をテキスト・JSON・Excel（約束の一覧）で出力します。出力は監査証跡に記録されます。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", type=int, help="評価書の ID（assessment list で確認）")
        parser.add_argument("--format", choices=FORMATS, default="text")
        parser.add_argument("--out", help="出力先ファイル（省略時は標準出力。xlsx では必須）")
        parser.add_argument("--municipality", help="団体コード：指定すると、その団体の評価書だけを対象にする")

    def handle(self, *args: Any, **options: Any) -> None:
        reports = AssessmentReport.objects.all()
        if options["municipality"]:
            reports = reports.filter(municipality=municipality_by_code(options["municipality"]))
        report = reports.filter(pk=options["id"]).first()
        if report is None:
            raise CommandError(f"ID {options['id']} の評価書が見つかりません。")
        if options["format"] == "xlsx" and not options["out"]:
            raise CommandError("xlsx 形式では --out で出力先ファイルを指定してください。")
        with acting_as(cli_actor()):
            result = report_export(report=report, fmt=options["format"], user=None)
        if options["out"]:
            Path(options["out"]).write_bytes(result.content)
            self.stderr.write(f"{options['out']} に出力しました（{len(result.content)} バイト）。")
        else:
            self.stdout.write(result.content.decode("utf-8"), ending="")
