"""``piaops audit report FY --kind results|followup --format pdf|xlsx --out FILE``.

Options: ``--municipality CODE`` (needed when several tenants exist), ``--as-of DATE`` (an interim report).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from piaops.audits import reports as rep
from piaops.audits.models import ReportKind
from piaops.audittrail.context import Actor, acting_as
from piaops.audittrail.services import record_export
from piaops.lib.dates import DateReadError, read_date
from piaops.tenancy.models import Municipality
from piaops.tenancy.rls import TenantCommand


class Command(TenantCommand):
    help = "監査結果報告書・フォローアップ結果報告書を PDF または Excel で出力します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fiscal_year", type=int, help="年度（西暦）")
        parser.add_argument("--kind", choices=ReportKind.values, required=True)
        parser.add_argument("--format", choices=["pdf", "xlsx"], default="pdf")
        parser.add_argument("--out", required=True, help="出力先ファイル")
        parser.add_argument("--municipality", help="全国地方公共団体コード（団体が1つだけなら省略可）")
        parser.add_argument("--as-of", help="基準日（中間報告、YYYY-MM-DD）")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["municipality"]
        qs = Municipality.objects.filter(code=code) if code else Municipality.objects.all()
        if qs.count() != 1:
            raise CommandError("団体を --municipality（全国地方公共団体コード）で指定してください。")
        municipality = qs.get()
        try:
            as_of = read_date(options["as_of"])
        except DateReadError as exc:
            raise CommandError(f"--as-of: {exc}") from exc
        data = rep.report_data(
            municipality=municipality, fiscal_year=options["fiscal_year"], kind=options["kind"], as_of=as_of
        )
        body = rep.render_pdf_bytes(data) if options["format"] == "pdf" else rep.render_xlsx_bytes(data)
        Path(options["out"]).write_bytes(body)
        with acting_as(Actor(user=None, name="cli")):
            record_export(
                municipality_id=municipality.pk,
                what=data["title"],
                file_format=options["format"].upper(),
                rows=len(data.get("audits", data.get("followups", []))),
                criteria={"fiscal_year": options["fiscal_year"], "as_of": data["as_of"]},
            )
        self.stdout.write(f"{data['title']}を出力しました: {options['out']}（{len(body)} バイト）")
