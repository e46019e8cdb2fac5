"""``piaops demo [--people N] [--years N] [--today YYYY-MM-DD]``: build the demo data, step by step (``core/demo.py``).

``--years N`` gives every module N 年度 of history (people and training, self-inspections, audit programmes and
their findings, incidents, door logs); without it the people and training go back ``DEFAULT_YEARS`` and the other
modules hold the current 年度 (audits also the last), so that ``make run`` starts quickly.

Idempotent: each step returns when its data is there, so running it again changes nothing and a step added
later is built on the next run.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from piaops.audittrail.context import Actor, acting_as
from piaops.core.demo import DEMO_PASSWORD, demo_steps, run_step
from piaops.lib.dates import DateReadError, read_date
from piaops.tenancy.demo import DEFAULT_YEARS


class Command(BaseCommand):
    help = "デモデータ（札幌市と東京都）を作成します。何度実行しても結果は同じです。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=2000, help="札幌市の職員数（既定 2000）")
        parser.add_argument(
            "--years",
            type=int,
            default=None,
            help=(
                "履歴の年度数。指定すると、職員・研修記録に加えて自己点検・監査計画・指摘事項・事故・入退室記録も"
                f"その年度数だけさかのぼって作成します（省略時は職員と研修記録が {DEFAULT_YEARS} 年度、"
                "ほかは前年度と今年度の分だけ：すぐに起動できるように）"
            ),
        )
        parser.add_argument("--today", help="基準日 YYYY-MM-DD（既定: 今日）")

    def handle(self, *args: Any, **options: Any) -> None:
        from piaops.tenancy import demo as tenancy_demo

        if options["people"] < 1:
            raise CommandError("--people は1以上で指定してください。")
        years: int | None = options["years"]
        if years is not None and not 1 <= years <= 30:
            raise CommandError("--years は1から30までで指定してください。")
        try:
            today = read_date(options["today"]) or timezone.localdate()
        except DateReadError as exc:
            raise CommandError(f"--today: {exc}") from exc
        with acting_as(Actor(user=None, name="piaops demo")):
            municipality = tenancy_demo.create_municipality()
            for step in demo_steps():
                started = time.perf_counter()
                # Without --years each step keeps its own default (people and training: DEFAULT_YEARS; the other
                # modules: the current 年度, audits also the last one), which keeps `make run` and the tests quick.
                # One transaction per step: a step is there entirely or not at all (its "already built" check
                # then stays true to its word), and SQLite syncs to disk once per step, not once per record.
                with transaction.atomic():
                    run_step(step, municipality=municipality, people=options["people"], today=today, years=years)
                self.stdout.write(f"  {step.__name__}: 完了（{time.perf_counter() - started:.1f} 秒）")
        if connection.vendor == "postgresql":
            # Fresh bulk-loaded tables have no statistics until autovacuum gets to them; meanwhile the planner
            # takes them for empty and nests loops (training's compliance SQL then took minutes, not 0.2 s).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"デモデータを用意しました（基準日 {today:%Y-%m-%d}）。"))
        self.stdout.write(f"ログイン（パスワードはすべて {DEMO_PASSWORD}）:")
        for login in tenancy_demo.demo_logins():
            self.stdout.write(f"  {login.username:<16} {login.role}（{login.scope}）")
