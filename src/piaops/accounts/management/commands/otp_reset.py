from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from piaops.accounts import services
from piaops.audittrail.context import Actor, acting_as
from piaops.tenancy.models import User


class Command(BaseCommand):
    help = (
        "端末とリカバリーコードを失った利用者の二要素認証の登録を解除します（本人確認のうえで運用者が実行）。"
        "次のログインで、必須の役割の利用者は登録し直します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="対象の利用者のユーザー名")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"利用者 {options['username']} はいません。")
        with acting_as(Actor(user=None, name="piaops otp reset (運用者)", remote_addr="")):
            services.otp_device_remove(user=user)
        self.stdout.write(f"{user.username} の二要素認証の登録を解除しました。")
