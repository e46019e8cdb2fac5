"""``piaops selfcheck import-xlsx FILE...``: check every file, then save all of them or none (none, too, when a
checklist was saved after its file was exported)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from piaops.audittrail.context import Actor, acting_as
from piaops.selfcheck.errors import ChecklistInvalid
from piaops.selfcheck.xlsx import WorkbookConflict, import_workbooks


class Command(BaseCommand):
    help = "記入済みの自己点検票（Excel）を取り込みます。1つでも誤りがあれば何も保存しません。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+")

    def handle(self, *args: Any, **options: Any) -> None:
        files = []
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"ファイル {name} が見つかりません。")
            files.append((path.name, path.read_bytes()))
        try:
            with acting_as(Actor(user=None, name="cli")):
                parsed = import_workbooks(files)
        except WorkbookConflict as exc:
            self.stderr.write(str(exc))
            raise CommandError(
                "何も取り込みませんでした。最新の自己点検票を出力し直し（selfcheck export-xlsx）、"
                "記入内容を写してから取り込んでください。"
            ) from exc
        except ChecklistInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} 件の誤りがあるため、何も取り込みませんでした。") from exc
        for p in parsed:
            self.stdout.write(f"{p.filename}: {p.checklist.unit.name} を取り込みました。")
