"""``piaops assessment import FILE --municipality 011002 --work 地方税賦課徴収事務 [--dry-run] [--json]``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from piaops.assessments.management.commands._common import cli_actor, import_failed, municipality_by_code
from piaops.assessments.services import ImportPlan, ReportImportError, report_import, report_preview
from piaops.assessments.vocab import Revision, Tier
from piaops.audittrail.context import acting_as
from piaops.core.commands import JsonCommand
from piaops.lib import cadence as cadence_grammar
from piaops.lib.dates import DateReadError, read_date
from piaops.tenancy.models import Work
from piaops.tenancy.rls import TenantCommand


def plan_summary(plan: ImportPlan) -> dict[str, Any]:
    return {
        "title": plan.title,
        "series": plan.series,
        "version": plan.version,
        "previous_id": plan.previous.pk if plan.previous else None,
        "published_on": plan.published_on.isoformat() if plan.published_on else None,
        "revision": plan.revision,
        "in_force": not plan.older_than_in_force,
        "in_force_warning": plan.in_force_warning,
        "counts": plan.counts,
        "parties": [
            {"label": p.label, "name": p.name, "party_id": p.party.pk if p.party else None, "blocks": p.blocks}
            for p in plan.parties
        ],
        "items": [
            {
                "number_path": i.number_path,
                "title": i.title,
                "selected": i.selected,
                "commitments": sum(len(b.commitments) for b in i.blocks),
            }
            for i in plan.parsed.items()
        ],
        # Every commitment as read, so an operator can check the reading (kind, cadences) before saving.
        "commitments": [
            {
                "section": section.number,
                "item": item.number_path,
                "item_title": item.title,
                "party": block.party_name or block.party_label,
                "text": c.text,
                "kind": c.kind,
                "cadence": c.cadence,
                "cadences": [{"value": v, "label": cadence_grammar.label(v)} for v in c.cadences],
                "line": c.span.start_line,
            }
            for section in plan.parsed.sections
            for item in section.items
            for block in item.blocks
            for c in block.commitments
        ],
        # Ⅰ/Ⅱ/Ⅴ/Ⅵ as read (事務, システム, 対象人数, 委託, 開示請求, しきい値判断…), as the report page shows them.
        "fields": [
            {
                "section": x.section,
                "group": x.group,
                "label": x.label,
                "key": x.key,
                "value": x.value,
                "choices": x.choices,
                "line": x.line,
            }
            for x in plan.parsed.fields
        ],
        "warnings": [{"line": w.line, "message": w.message} for w in plan.warnings],
    }


class Command(JsonCommand, TenantCommand):
    help = "評価書のテキストを取り込み、事務の評価書の新しい版として保存します（--dry-run で確認のみ）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="評価書のファイル（PDF・.xlsx・.docx、またはテキスト UTF-8 / Shift_JIS）")
        parser.add_argument("--municipality", required=True, help="全国地方公共団体コード（例 011002）")
        parser.add_argument("--work", action="append", required=True, help="対象の個人番号利用事務（複数可）")
        parser.add_argument("--published-on", help="公表日（2023-03-27、令和5年3月27日など）。評価書に記載がないとき")
        parser.add_argument("--tier", choices=Tier.values, help="評価の種類")
        parser.add_argument(
            "--kind",
            choices=Revision.values,
            help="版の種類: reassessment 全項目評価の再実施 / significant_change 重要な変更による再評価 / "
            "correction 修正（省略時は最初の版が reassessment、以降は correction）",
        )
        parser.add_argument("--dry-run", action="store_true", help="保存せずに読み取り結果だけを表示する")
        parser.add_argument("--json", action="store_true", help="結果を JSON で出力する")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = municipality_by_code(options["municipality"])
        works = []
        for name in options["work"]:
            work = Work.objects.for_municipality(municipality).filter(name=name).first()
            if work is None:
                raise CommandError(f"事務「{name}」が {municipality.name} に登録されていません。")
            works.append(work)
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"ファイル {path} を読めません: {exc.strerror}") from exc
        published_on = None
        if options["published_on"]:
            try:
                published_on = read_date(options["published_on"])
            except DateReadError as exc:
                raise CommandError(f"--published-on: {exc}") from exc
        common: dict[str, Any] = {"municipality": municipality, "works": works, "data": data, "filename": path.name}
        try:
            if options["dry_run"]:
                _, plan = report_preview(
                    **common, tier=options["tier"], published_on=published_on, revision=options["kind"]
                )
                self._out(options, {"dry_run": True, **plan_summary(plan)}, plan)
                return
            with acting_as(cli_actor()):
                report = report_import(
                    **common, user=None, tier=options["tier"], published_on=published_on, revision=options["kind"]
                )
        except ReportImportError as exc:
            raise import_failed(exc) from exc
        result = {
            "dry_run": False,
            "id": report.pk,
            "series": report.series,
            "version": report.version,
            "previous_id": report.previous_id,
            "status": report.status,
            "revision": report.revision,
            "commitments": report.commitments.count(),
            "changes": {
                mark: report.commitments.filter(change=mark).count() for mark in ("new", "changed", "unchanged")
            },
            "warnings": report.import_warnings,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                f"第{report.version}版として取り込みました（ID {report.pk}、約束 {result['commitments']} 件、"
                f"新規 {result['changes']['new']}・変更 {result['changes']['changed']}・"
                f"変更なし {result['changes']['unchanged']}、{report.get_revision_display()}）。"
            )
            if report.status == report.Status.SUPERSEDED:
                self.stdout.write("公表日が現在の版より前のため、旧版として記録しました（現在の版は変わりません）。")
            for w in report.import_warnings:
                self.stdout.write(f"警告 {w['line']}行目: {w['message']}")

    def _out(self, options: dict[str, Any], summary: dict[str, Any], plan: ImportPlan) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        counts = summary["counts"]
        self.stdout.write(
            f"確認のみ（保存していません）: 第{summary['version']}版として取り込まれます。"
            f"項目 {counts['items']}・評価 {counts['rated']}・約束 {counts['commitments']}"
            f"（{plan.get_revision_display()}）"
        )
        if plan.in_force_warning:
            self.stdout.write(f"警告: {plan.in_force_warning}")
        for item in summary["items"]:
            rating = f" [{item['selected']}]" if item["selected"] else ""
            self.stdout.write(f"  {item['number_path']} {item['title']}{rating}: 約束 {item['commitments']}")
        for c in summary["commitments"]:
            stated = "・".join(x["label"] for x in c["cadences"]) or "頻度の記載なし"
            self.stdout.write(f"    {c['item']} {c['party']}: {c['text'][:40]} 〔{stated}〕")
        for p in summary["parties"]:
            self.stdout.write(f"  措置主体 {p['name'] or p['label']}: {'登録済み' if p['party_id'] else '未登録'}")
        for w in plan.warnings:
            self.stdout.write(f"警告 {w.line}行目: {w.message}")
