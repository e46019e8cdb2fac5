from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from piaops.core import backup


class Command(BaseCommand):
    help = "データベース全体をファイルにバックアップします（SQLite: オンラインバックアップ、PostgreSQL: pg_dump -Fc）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="書き出すバックアップファイル")

    def handle(self, *args: Any, **options: Any) -> None:
        target: Path = options["file"]
        try:
            backup.backup(target)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(backup.table_counts().values())
        self.stdout.write(f"バックアップしました: {target}（{backup.vendor()}、{rows} 行）")
