"""``piaops report periodic FY --municipality CODE --out DIR``: the 定期的な報告 of a 年度, as XLSX and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from piaops.reports.periodic import export
from piaops.tenancy.models import Municipality
from piaops.tenancy.rls import TenantCommand


class Command(TenantCommand):
    help = "定期的な報告（評価書に記載した措置ごとの実施状況と根拠）をXLSXとPDFで出力する"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fy", type=int, help="報告の対象年度（西暦、例：2026）")
        parser.add_argument("--municipality", required=True, help="団体コード（6桁）")
        parser.add_argument("--out", required=True, help="出力先ディレクトリ（なければ作成）")

    def handle(self, *args: Any, **options: Any) -> None:
        fy = options["fy"]
        if not 2014 <= fy <= 2200:
            raise CommandError("年度は西暦4桁で指定してください（例：2026）。")
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"団体コード {options['municipality']} の団体が見つかりません。")
        out = Path(options["out"])
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} はディレクトリではありません。")
        out.mkdir(parents=True, exist_ok=True)
        files = export(municipality_id=municipality.pk, fiscal_year=fy, today=timezone.localdate())
        stem = out / f"periodic-{municipality.code}-{fy}"
        stem.with_suffix(".xlsx").write_bytes(files.xlsx)
        stem.with_suffix(".pdf").write_bytes(files.pdf)
        self.stdout.write(f"{stem}.xlsx と {stem}.pdf に出力しました（{files.rows}行）。")
