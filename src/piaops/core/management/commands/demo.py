"""``piaops demo [--people N] [--today YYYY-MM-DD]``: build the demo data, step by step (``core/demo.py``).

Idempotent: each step returns when its data is there, so running it again changes nothing and a step added
later is built on the next run. A step whose module does not exist yet is skipped with a note.
"""

from __future__ import annotations

import datetime as dt
import importlib
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from piaops.audittrail.context import Actor, acting_as
from piaops.core.demo import DEMO_PASSWORD, DEMO_STEPS


class Command(BaseCommand):
    help = "デモデータ（札幌市と東京都）を作成します。何度実行しても結果は同じです。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=2000, help="札幌市の職員数（既定 2000）")
        parser.add_argument("--today", help="基準日 YYYY-MM-DD（既定: 今日）")

    def handle(self, *args: Any, **options: Any) -> None:
        from piaops.tenancy import demo as tenancy_demo

        if options["people"] < 1:
            raise CommandError("--people は1以上で指定してください。")
        try:
            today = dt.date.fromisoformat(options["today"]) if options["today"] else timezone.localdate()
        except ValueError:
            raise CommandError("--today は YYYY-MM-DD の形式で指定してください。") from None
        with acting_as(Actor(user=None, name="piaops demo")):
            municipality = tenancy_demo.create_municipality()
            for step in DEMO_STEPS:
                try:
                    module = importlib.import_module(step)
                except ModuleNotFoundError as exc:
                    if exc.name != step:
                        raise
                    self.stdout.write(f"  {step}: まだありません（省略）")
                    continue
                started = time.perf_counter()
                module.build(municipality=municipality, people=options["people"], today=today)
                self.stdout.write(f"  {step}: 完了（{time.perf_counter() - started:.1f} 秒）")
        # Thousands of rows were just inserted: without fresh statistics PostgreSQL plans the training
        # compliance statement (dashboard, home page) for empty tables, with nested loops that ran for minutes
        # at 2,000 people until autovacuum's own ANALYZE came round (0.14 s after it).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"デモデータを用意しました（基準日 {today:%Y-%m-%d}）。"))
        self.stdout.write(f"ログイン（パスワードはすべて {DEMO_PASSWORD}）:")
        for login in tenancy_demo.demo_logins():
            self.stdout.write(f"  {login.username:<16} {login.role}（{login.scope}）")
