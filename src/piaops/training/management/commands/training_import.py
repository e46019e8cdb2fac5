"""``piaops training import FILE --municipality 011002 [--dry-run]``: attendance records from an e-learning export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from piaops.audittrail.context import Actor, acting_as
from piaops.tenancy.models import Municipality
from piaops.tenancy.rls import TenantCommand
from piaops.training.importing import ImportFileError, import_records


class Command(TenantCommand):
    help = "受講記録をCSV（UTF-8/CP932）またはXLSXから一括取込します（誤りが1件でもあれば何も登録しません）。"
    # The system checks import every URL, view and API schema (seconds); an import needs none of them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--municipality", required=True, help="全国地方公共団体コード（6桁）")
        parser.add_argument("--dry-run", action="store_true", help="検査だけ行い、登録しない")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            municipality = Municipality.objects.get(code=options["municipality"])
        except Municipality.DoesNotExist as exc:
            raise CommandError(f"団体コード {options['municipality']} の団体が登録されていません。") from exc
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"ファイル {path} を読めません：{exc.strerror}") from exc
        with tqdm(desc="受講記録", unit="行", disable=None) as bar, acting_as(Actor(user=None, name="cli")):
            try:
                result = import_records(
                    municipality=municipality,
                    data=data,
                    filename=path.name,
                    today=timezone.localdate(),
                    dry_run=options["dry_run"],
                    progress=bar.update,
                )
            except ImportFileError as exc:
                raise CommandError(str(exc)) from exc
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{result.error_count} 件の誤りがあるため、何も登録していません。")
        if result.dry_run:
            self.stdout.write(f"検査のみ：{result.rows} 行に誤りはありません（登録していません）。")
        else:
            self.stdout.write(f"{result.created} 件の受講記録を登録しました。")
