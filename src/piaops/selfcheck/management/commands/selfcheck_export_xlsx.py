"""``piaops selfcheck export-xlsx CAMPAIGN --out DIR``: every unit's workbook of a campaign into DIR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from piaops.audittrail.context import Actor, acting_as
from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.selfcheck import xlsx
from piaops.selfcheck.models import Campaign


class Command(BaseCommand):
    help = "自己点検の全所属の自己点検票を Excel で出力します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", type=int, help="自己点検のID")
        parser.add_argument("--out", required=True, help="出力先ディレクトリ")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = Campaign.objects.select_related("template").filter(pk=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"自己点検 {options['campaign']} が見つかりません。")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        checklists = list(campaign.checklists.select_related("unit").order_by("unit__path"))
        for c in checklists:
            c.campaign = campaign
        answers = xlsx.answers_by_checklist(checklists)
        for c in tqdm(checklists, desc="出力", unit="所属", disable=None):
            (out / xlsx.workbook_filename(c)).write_bytes(xlsx.checklist_workbook(c, answers[c.pk]))
        with acting_as(Actor(user=None, name="cli")):
            record(
                action=Action.EXPORT,
                municipality_id=campaign.municipality_id,
                obj=campaign,
                summary=f"全所属の自己点検票をExcelで出力（{len(checklists)}件）",
            )
        self.stdout.write(f"{len(checklists)} 件を {out} に出力しました。")
