"""``piaops ismap import FILE --municipality 011002 [--date YYYY-MM-DD] [--dry-run]``.

Checks the published ISMAP service list file, stores it as a dated snapshot, compares it with the register and
prints what it raised. A bad file prints every problem with its line number and saves nothing (exit status 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from piaops.assurance.ismap_list import IsmapListError
from piaops.assurance.models import IsmapAlert
from piaops.assurance.services import ismap_import
from piaops.audittrail.context import Actor, acting_as
from piaops.lib.dates import DateReadError, read_date
from piaops.tenancy.models import Municipality
from piaops.tenancy.rls import TenantCommand


class Command(TenantCommand):
    help = "ISMAPクラウドサービスリスト（CSV/XLSX）を取り込み、台帳と照合します。"
    # The system checks import every URL, view and API schema (seconds); an import needs none of them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="リストのファイル（CSV または XLSX）")
        parser.add_argument("--municipality", required=True, help="全国地方公共団体コード（6桁）")
        parser.add_argument("--date", help="リストの日付 YYYY-MM-DD（省略時は今日）")
        parser.add_argument("--dry-run", action="store_true", help="確認のみで保存しない")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイル {path} が見つかりません。")
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"団体コード {options['municipality']} の団体が登録されていません。")
        try:
            list_date = read_date(options["date"]) or timezone.localdate()
        except DateReadError as exc:
            raise CommandError(f"--date: {exc}") from exc
        with acting_as(Actor(user=None, name="cli:ismap_import")):
            try:
                result = ismap_import(
                    municipality=municipality,
                    content=path.read_bytes(),
                    file_name=path.name,
                    list_date=list_date,
                    dry_run=options["dry_run"],
                )
            except IsmapListError as exc:
                raise CommandError(
                    "取り込めませんでした（何も保存していません）:\n" + "\n".join(f"  {e}" for e in exc.errors)
                ) from exc
        self.stdout.write(f"{len(result.parsed.entries)}件のサービスを読み取りました（{result.parsed.encoding}）。")
        for outcome in result.outcomes:
            self.stdout.write(f"  {IsmapAlert.Kind(outcome.kind).label}: {outcome.service} — {outcome.detail}")
        if not result.outcomes:
            self.stdout.write("  台帳との差異はありません。")
        if result.snapshot is None:
            self.stdout.write("確認のみ（--dry-run）のため保存していません。")
        else:
            self.stdout.write(self.style.SUCCESS(f"リスト（{list_date.isoformat()}）を保存しました。"))
