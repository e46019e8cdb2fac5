from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from piaops.audittrail.services import verify_all
from piaops.core import backup


class Command(BaseCommand):
    help = (
        "バックアップファイルからデータベースの内容を置き換えます。サーバーを停止してから実行してください。"
        "終わると監査証跡のハッシュ連鎖を検証し、表ごとの件数を表示します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="piaops backup で作ったファイル")
        parser.add_argument("--yes", action="store_true", help="確認せずに置き換える")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["file"]
        if not options["yes"] and options.get("interactive", True):
            # Without a terminal (cron, a pipe, CI) there is no one to answer: say so instead of failing in input().
            if not sys.stdin or not sys.stdin.isatty():
                raise CommandError(
                    "確認に答える端末がないため、リストアを中止しました（何も変更していません）。"
                    "現在のデータベースの内容をすべて置き換えてよい場合は --yes を付けて実行してください。"
                )
            try:
                answer = input("現在のデータベースの内容はすべて置き換えられます。続けますか？ [yes/no] ")
            except EOFError:
                answer = ""
            if answer.strip().lower() not in {"y", "yes", "はい"}:
                raise CommandError("中止しました（何も変更していません）。")
        try:
            backup.restore(source)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = backup.table_counts()
        for table, count in counts.items():
            self.stdout.write(f"  {table}: {count}", style_func=lambda s: s)
        broken = [r for r in verify_all() if not r.ok]
        if broken:
            raise CommandError(f"リストアしましたが、監査証跡の検証に失敗しました: {broken}")
        self.stdout.write(f"リストアしました: {source}（{sum(counts.values())} 行）。監査証跡の検証: OK")
