"""``piaops ppc-deadlines --known-on DATE [--unlawful] [--json]``: by when must the PPC reports be made?

For the operator who must answer "by when?" on the phone: the 速報 target and due date and the 確報 due date for
an incident known on DATE (any form the one date reader reads: 2026-06-01, 2026/6/1, 令和8年6月1日, R8.6.1…),
by the rule of :mod:`piaops.incidents.ppc`. Reads no data and needs no municipality.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from piaops.core.commands import JsonCommand
from piaops.incidents import ppc
from piaops.lib.dates import DateReadError, read_date
from piaops.lib.fiscal import wareki


class Command(JsonCommand):
    help = "事態を知った日から、個人情報保護委員会への速報の目安・確報の期限を表示します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--known-on", required=True, help="事態を知った日（例 2026-06-01、令和8年6月1日）")
        parser.add_argument(
            "--unlawful", action="store_true", help="不正の目的をもって行われたおそれがある（確報60日）"
        )
        parser.add_argument("--json", action="store_true", help="結果を JSON で出力する")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            known_on = read_date(options["known_on"])
        except DateReadError as exc:
            raise CommandError(f"--known-on: {exc}") from exc
        if known_on is None:
            raise CommandError("--known-on に事態を知った日を指定してください。")
        unlawful = bool(options["unlawful"])
        due = ppc.deadlines(known_on=known_on, unlawful_purpose=unlawful)
        days = ppc.FINAL_DAYS_UNLAWFUL if unlawful else ppc.FINAL_DAYS
        if options["json"]:
            out = {
                "known_on": known_on.isoformat(),
                "unlawful_purpose": unlawful,
                "prompt_target": due.prompt_target.isoformat(),
                "prompt_due": due.prompt_due.isoformat(),
                "final_days": days,
                "final_due": due.final_due.isoformat(),
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"事態を知った日: {known_on.isoformat()}（{wareki(known_on)}）")
        self.stdout.write(
            f"速報（速やかに・目安）: {due.prompt_target.isoformat()}（{wareki(due.prompt_target)}）を目標に、"
            f"遅くとも {due.prompt_due.isoformat()}（{wareki(due.prompt_due)}）まで"
        )
        self.stdout.write(
            f"確報（{days}日以内）: {due.final_due.isoformat()}（{wareki(due.final_due)}）まで"
            "　※知った日を1日目とし、期限が閉庁日なら翌開庁日"
        )
