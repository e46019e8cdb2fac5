"""``piaops import people FILE [FILE] --municipality 011002 [--dry-run]``: the personnel export, from a terminal.

Files: one CSV of units and/or one CSV of people, or one XLSX holding both as sheets (README「職員データの取込」).
Exit status 0 when the import (or the dry run) found nothing wrong; 1 with every issue listed otherwise.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from piaops.audittrail.context import Actor, acting_as
from piaops.tenancy.models import Municipality
from piaops.tenancy.people_import.services import ImportFileError, ImportPlan, people_import_commit, people_import_plan
from piaops.tenancy.rls import TenantCommand


class TqdmProgress:
    """A tqdm bar per stage, on the terminal only (``disable=None`` hides it when stderr is not a TTY)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.bar: tqdm[Any] | None = None

    def stage(self, label: str, total: int) -> None:
        self.close()
        self.bar = tqdm(total=total, desc=label, unit="行", file=self.stream, disable=None, leave=False)

    def advance(self, n: int) -> None:
        if self.bar is not None and n:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


COUNT_LABELS = (
    ("組織", "units"),
    ("職員", "people"),
)


class Command(TenantCommand):
    help = "職員・組織データ（人事システムの出力: CSV または XLSX）を取り込みます。"
    # The system checks import every URL, view and API schema (seconds); an import needs none of them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="組織・職員のCSV（1つまたは2つ）またはXLSX")
        parser.add_argument("--municipality", required=True, help="全国地方公共団体コード（6桁）")
        parser.add_argument("--dry-run", action="store_true", help="検証だけを行い、登録しない")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"団体コード「{options['municipality']}」の団体が登録されていません。")
        files: list[tuple[str, bytes]] = []
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"ファイル「{name}」が見つかりません。")
            files.append((path.name, path.read_bytes()))
        progress = TqdmProgress(getattr(self.stderr, "_out", sys.stderr))
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry in some containers
            user = "unknown"
        with acting_as(Actor(user=None, name=f"CLI（{user}）")):
            try:
                if options["dry_run"]:
                    plan = people_import_plan(municipality=municipality, files=files, progress=progress)
                else:
                    plan, _ = people_import_commit(municipality=municipality, files=files, progress=progress)
            except ImportFileError as exc:
                progress.close()
                self._issues(exc.issues)
                raise CommandError(f"取込を中止しました（問題 {len(exc.issues)} 件）。何も登録していません。") from None
        progress.close()
        self._report(plan, municipality, dry_run=options["dry_run"])
        if plan.issues:
            self._issues(plan.issues)
            raise CommandError(f"検証で問題が {len(plan.issues)} 件見つかりました。")

    def _report(self, plan: ImportPlan, municipality: Municipality, *, dry_run: bool) -> None:
        c = plan.counts
        self.stdout.write(f"{municipality}: {'検証のみ（登録しません）' if dry_run else '取込'}")
        for info in plan.files:
            self.stdout.write(f"  {info.name}  {info.format}  {info.size:,} バイト  SHA-256 {info.sha256}")
        if plan.issues:  # the counts of a refused file mean nothing
            return
        self.stdout.write(f"  組織: 新規 {c.units_created}  更新 {c.units_updated}  変更なし {c.units_unchanged}")
        self.stdout.write(f"  職員: 新規 {c.people_created}  更新 {c.people_updated}  変更なし {c.people_unchanged}")
        self.stdout.write(
            f"  配属: 新規 {c.assignments_created}  更新 {c.assignments_updated}  終了 {c.assignments_closed}"
        )
        self.stdout.write(self.style.SUCCESS("問題はありません。" if dry_run else "取り込みました。"))

    def _issues(self, issues: list[Any]) -> None:
        for issue in issues:
            self.stderr.write(str(issue))
