"""``piaops assessment import-dir FOLDER --municipality 011002 [--dry-run] [--json]``."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from piaops.assessments import batch
from piaops.assessments.management.commands._common import cli_actor, municipality_by_code
from piaops.audittrail.context import acting_as
from piaops.core.commands import JsonCommand
from piaops.tenancy.rls import TenantCommand

_COLUMNS = ("ファイル", "評価書の事務の名称", "登録の事務", "結果", "版", "約束")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(rows: list[list[str]]) -> list[str]:
    """A plain-text table aligned for a terminal (full-width characters count twice)."""
    widths = [max(_width(r[n]) for r in rows) for n in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, widths[n]) for n, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


class Command(JsonCommand, TenantCommand):
    help = (
        "フォルダ内の評価書（PDF・.xlsx・.docx・テキスト）をすべて取り込みます。各ファイルは評価書に記載された"
        "事務の名称で登録済みの事務に対応づけ、その事務の評価書の次の版として保存します（ファイルごとに"
        "全部か無か）。未登録の事務は作らずに一覧表示します。取り込めないファイルがあれば終了コード 1。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="評価書のファイルを置いたフォルダ（直下のファイルだけを読みます）")
        parser.add_argument("--municipality", required=True, help="全国地方公共団体コード（例 011002）")
        parser.add_argument("--dry-run", action="store_true", help="保存せずに対応づけと読み取り結果だけを表示する")
        parser.add_argument("--json", action="store_true", help="結果を JSON で出力する")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = municipality_by_code(options["municipality"])
        folder = Path(options["folder"])
        if not folder.is_dir():
            raise CommandError(f"フォルダ {folder} が見つかりません。")
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
        readable = [p for p in files if p.suffix.lower() in batch.REPORT_SUFFIXES]
        skipped = [p.name for p in files if p not in readable]
        if not readable:
            kinds = "・".join(batch.REPORT_SUFFIXES)
            raise CommandError(f"フォルダ {folder} に評価書のファイル（{kinds}）がありません。")
        limit = settings.PIAOPS_MAX_UPLOAD_BYTES
        outcomes: list[batch.FileOutcome] = []
        with acting_as(cli_actor()):
            for path in tqdm(readable, desc="評価書", unit="件", file=sys.stderr, disable=None, leave=False):
                if path.stat().st_size > limit:
                    message = f"ファイルが大きすぎます（上限 {limit // (1024 * 1024)}MB）。"
                    outcomes.append(batch.FileOutcome(path.name, batch.REFUSED, message=message))
                    continue
                outcomes.append(
                    batch.import_file(
                        municipality=municipality,
                        data=path.read_bytes(),
                        filename=path.name,
                        user=None,
                        dry_run=options["dry_run"],
                    )
                )
        failed = [o for o in outcomes if o.status in (batch.REFUSED, batch.UNKNOWN_WORK, batch.AMBIGUOUS_WORK)]
        unknown = sorted({o.stated_work for o in outcomes if o.status == batch.UNKNOWN_WORK and o.stated_work})
        counts = {status: sum(1 for o in outcomes if o.status == status) for status in batch.STATUS_LABELS}
        if options["json"]:
            summary = {
                "dry_run": options["dry_run"],
                "files": [o.as_dict() for o in outcomes],
                "skipped": skipped,
                "unknown_works": unknown,
                "counts": counts,
            }
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            self._print(outcomes, skipped, unknown, counts, dry_run=options["dry_run"])
        if failed:
            raise SystemExit(1)

    def _print(
        self,
        outcomes: list[batch.FileOutcome],
        skipped: list[str],
        unknown: list[str],
        counts: dict[str, int],
        *,
        dry_run: bool,
    ) -> None:
        rows = [list(_COLUMNS)]
        for o in outcomes:
            version = f"第{o.version}版" if o.version else "-"
            rows.append([o.name, o.stated_work or "-", o.work or "-", o.label, version, str(o.commitments or "-")])
        for line in table(rows):
            self.stdout.write(line)
        for o in outcomes:
            if o.message:
                where = f"{o.line}行目: " if o.line else ""
                self.stdout.write(f"{o.name}: {where}{o.message}")
        if unknown:
            self.stdout.write("未登録の事務（登録してから取り込み直してください）:")
            for name in unknown:
                self.stdout.write(f"  - {name}")
        if skipped:
            self.stdout.write(f"評価書の形式でないため読まなかったファイル: {'、'.join(skipped)}")
        summary = "・".join(f"{batch.STATUS_LABELS[s]} {n}" for s, n in counts.items() if n)
        self.stdout.write(("確認のみ（保存していません）: " if dry_run else "") + f"{len(outcomes)} 件: {summary}")
