"""``piaops remind``: send every due reminder once (run daily by cron or a systemd timer; see README).

Each reminder has a stable key. A key is recorded in ``core.SentReminder`` only after the mail server
accepted the message, so running twice never mails twice, and a server that is down leaves the reminder for the
next run. Reminders without recipients are recorded at once (they only show on the home page).
The key is claimed (inserted) before the mail is sent and the claim is rolled back if sending fails, so two runs
at the same time do not both send it.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction
from django.utils import timezone

from piaops.audittrail.context import Actor, acting_as
from piaops.audittrail.services import record_create
from piaops.core.locks import exclusive
from piaops.core.models import SentReminder
from piaops.core.reminders import Reminder, collect_all
from piaops.lib.dates import DateReadError, read_date

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "期限の近い・過ぎた事項のリマインダーをメールで送ります（毎日1回実行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="基準日（YYYY-MM-DD、既定は今日）")
        parser.add_argument("--dry-run", action="store_true", help="送らずに一覧を表示")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = read_date(options["date"]) or timezone.localdate()
        except DateReadError as exc:
            raise CommandError(f"--date: {exc}") from exc
        # Cron fires on every node: the first takes the lock and sends; the others see it held and stop, so each
        # reminder is sent once (the ledger's unique key would also refuse a second send, row by row).
        if options["dry_run"]:
            self._run(today, dry_run=True)
            return
        with exclusive("remind") as held:
            if not held:
                self.stdout.write("ほかのノードがリマインダーを送信中です。このノードでは送信しません。")
                return
            self._run(today, dry_run=False)

    def _run(self, today: dt.date, *, dry_run: bool) -> None:
        reminders = collect_all(today=today)
        done = set(SentReminder.objects.filter(key__in=[r.key for r in reminders]).values_list("key", flat=True))
        pending = [r for r in reminders if r.key not in done]
        if dry_run:
            for r in pending:
                to = ",".join(r.recipients) or "（宛先なし：ホーム画面にのみ表示）"
                self.stdout.write(f"{r.key}\t{to}\t{r.subject}")
            return
        sent = failed = 0
        connection = get_connection(fail_silently=False)
        with acting_as(Actor(user=None, name="remind")):
            for r in pending:
                try:
                    if self._deliver(r, connection):
                        sent += 1
                except (OSError, smtplib.SMTPException) as exc:
                    failed += 1
                    log.warning("reminder %s not sent: %s", r.key, exc)
        connection.close()
        self.stdout.write(f"送信 {sent} 件、送信済み {len(done)} 件、失敗 {failed} 件（次回再送）")
        if failed:
            raise CommandError(
                f"{failed} 件を送れませんでした。メールサーバーを確認してください（次回の実行で再送します）。"
            )

    def _send(self, r: Reminder, connection: Any) -> None:
        base = getattr(settings, "PIAOPS_BASE_URL", "")
        body = r.body + (f"\n{base}{r.url}\n" if r.url else "") + "\n（piaops から自動送信）\n"
        EmailMessage(
            subject=r.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=list(r.recipients),
            connection=connection,
        ).send()

    def _deliver(self, r: Reminder, connection: Any) -> bool:
        """Claim the key, send, record; a failed send rolls the claim back (so the next run retries).

        The ledger row is inserted before sending, so a second run at the same time waits on the unique key and
        then skips it instead of mailing again. The audit entry comes last, to hold the chain lock only briefly.
        """
        try:
            with transaction.atomic():
                row = SentReminder.objects.create(
                    municipality_id=r.municipality_id,
                    key=r.key,
                    sent_at=timezone.now(),
                    recipients=", ".join(r.recipients),
                    subject=r.subject[:300],
                )
                if r.recipients:
                    self._send(r, connection)
                record_create(row, municipality_id=r.municipality_id, summary="リマインダーを送信")
        except IntegrityError:  # another run has sent it
            return False
        return True
