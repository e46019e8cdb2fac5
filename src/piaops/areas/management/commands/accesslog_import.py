"""``piaops accesslog import FILE --area ID [--mapping NAME] [--dry-run]``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from piaops.areas.importing import DoorLogError, door_log_import
from piaops.areas.models import Area, DoorLogMapping


class Command(BaseCommand):
    help = "入退室管理システムの CSV を管理区域に取り込みます（全行を検証し、誤りがあれば何も取り込みません）。"
    # The system checks import every URL, view and API schema (seconds); an import needs none of them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--area", type=int, required=True, help="管理区域の ID")
        parser.add_argument("--mapping", default="", help="列の対応の名称（省略時は標準の列名）")
        parser.add_argument("--dry-run", action="store_true", help="検証のみ行い、取り込まない")

    def handle(self, *args: Any, **options: Any) -> None:
        area = Area.objects.filter(pk=options["area"]).first()
        if area is None:
            raise CommandError(f"管理区域 {options['area']} がありません。")
        if options["mapping"]:
            mapping = (
                DoorLogMapping.objects.for_municipality(area.municipality_id).filter(name=options["mapping"]).first()
            )
            if mapping is None:
                raise CommandError(f"列の対応「{options['mapping']}」がありません。")
        else:
            mapping = DoorLogMapping(municipality_id=area.municipality_id, name="標準")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"ファイル {path} がありません。")
        data = path.read_bytes()
        lines = data.count(b"\n")
        with tqdm(total=lines, unit="行", desc="検証", disable=None, file=sys.stderr) as bar:

            def progress(line: int) -> None:
                bar.update(line - bar.n)

            try:
                batch = door_log_import(
                    area=area,
                    data=data,
                    file_name=path.name,
                    mapping=mapping,
                    user=None,
                    dry_run=options["dry_run"],
                    progress=progress,
                )
            except DoorLogError as exc:
                bar.close()
                for error in exc.errors:
                    self.stderr.write(str(error))
                if exc.total > len(exc.errors):
                    self.stderr.write(f"…ほか{exc.total - len(exc.errors)}件")
                raise CommandError(f"誤りが{exc.total}件あるため、何も取り込んでいません。") from exc
            bar.update(lines - bar.n)
        verb = "検証しました（取り込んでいません）" if options["dry_run"] else "取り込みました"
        self.stdout.write(f"{batch.rows}件を{verb}：{area.name}")
        if batch.skipped:
            self.stdout.write(f"取込済み・重複の{batch.skipped}件は追加していません。")
