"""``piaops audit-log verify``: recompute every hash chain of the audit trail.

Prints one line per chain (``OK`` with its entry count and last hash, which an operator may note outside the
system to anchor it), or ``NG`` naming the first broken entry, and exits 1 when any chain is broken.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from piaops.audittrail.services import VerifyResult, verify_all, verify_chain
from piaops.tenancy.models import Municipality
from piaops.tenancy.rls import TenantCommand


def chain_name(municipality_id: int | None, names: dict[int, str]) -> str:
    if municipality_id is None:
        return "団体なし（システム）"
    return names.get(municipality_id, f"団体ID {municipality_id}")


class Command(TenantCommand):
    help = "監査証跡のハッシュチェーンを検証します（改ざん・削除の検出）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="CODE", help="この全国地方公共団体コードの団体だけを検証する")

    def handle(self, *args: Any, **options: Any) -> None:
        names = {m.pk: str(m) for m in Municipality.objects.all()}
        code = options.get("municipality")
        results: list[VerifyResult]
        if code:
            municipality = Municipality.objects.filter(code=code).first()
            if municipality is None:
                raise CommandError(f"団体コード {code} の団体はありません。")
            results = [verify_chain(municipality.pk)]
        else:
            results = verify_all()
        failures = 0
        for result in results:
            name = chain_name(result.municipality_id, names)
            if result.ok:
                self.stdout.write(f"OK {name}: {result.count}件 末尾ハッシュ {result.last_hash}")
            else:
                failures += 1
                self.stdout.write(
                    f"NG {name}: 連番 {result.broken_seq} — {result.reason}。それ以前の {result.count}件は正常です。"
                )
        if not results:
            self.stdout.write("OK 監査証跡はまだありません。")
        if failures:
            raise CommandError(f"監査証跡の改ざんまたは欠落を検出しました（{failures}件のチェーン）。", returncode=1)
