"""``piaops audit programme-check FY --municipality CODE [--json]``: coverage, rotation and independence gaps.

Exits non-zero (CommandError) when the programme would be refused at approval (or does not exist).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from piaops.audits import rules
from piaops.audits.models import AuditProgramme
from piaops.core.commands import JsonCommand, WrittenError
from piaops.tenancy.models import Municipality
from piaops.tenancy.rls import TenantCommand


class Command(JsonCommand, TenantCommand):
    help = "監査計画の網羅性・現地監査の周期・独立性を確認します（承認できない場合は終了コード 1）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fiscal_year", type=int, help="年度（西暦、例: 2026）")
        parser.add_argument("--municipality", required=True, help="全国地方公共団体コード")
        parser.add_argument("--json", action="store_true", help="JSON で出力")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(code=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"団体コード {options['municipality']} の団体が見つかりません。")
        fy = options["fiscal_year"]
        programme = AuditProgramme.objects.filter(municipality=municipality, fiscal_year=fy).first()
        if programme is None:
            raise CommandError(f"{fy}年度の監査計画がありません。")
        check = rules.check_programme(programme, today=timezone.localdate())
        refused = "この監査計画は承認できません（上記の不足を解消してください）。"
        if options["json"]:
            # One document: the check, and when it fails the error as every --json error has it.
            data = check.as_dict()
            if not check.approvable:
                data |= {"error": refused, "problems": []}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            if not check.approvable:
                raise WrittenError(refused)
        else:
            w = self.stdout.write
            w(f"{programme}（{programme.get_status_display()}）")
            covered = len(check.works) - len(check.missing_works)
            w(f"網羅性: {covered} / {len(check.works)} 事務（{check.coverage_pct}%）")
            for work in check.missing_works:
                w(f"  監査のない事務: {work.name}")
            cycle = municipality.onsite_audit_cycle_years
            due, missing = len(check.due_units), len(check.missing_onsite)
            w(f"現地監査（{cycle}年度に1回）: 今年度が期限の所属 {due} 件、計画外 {missing} 件")
            for unit, last in check.missing_onsite:
                w(f"  現地監査が計画されていない所属: {unit.name}（前回: {f'{last}年度' if last else 'なし'}）")
            for c in check.conflicts:
                state = "例外（理由あり）" if c.excused else "理由なし"
                w(f"  独立性: {c.auditor.user} → {c.audit.unit.name}（{state}）")
        if not check.approvable:
            raise CommandError(refused)
