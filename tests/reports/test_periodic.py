"""定期的な報告: one sheet per report, one row per commitment in the report's order, the status from the records,
gaps listed, text written as text; ``piaops report periodic FY --municipality CODE --out DIR``."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from piaops.assessments.models import Commitment
from piaops.assessments.vocab import CommitmentKind
from piaops.audittrail.models import Action, AuditEntry
from piaops.selfcheck.models import AnswerValue, Checklist, ChecklistStatus
from tests.conftest import World
from tests.selfcheck.helpers import make_campaign, make_report

FORMULA = '=HYPERLINK("http://example.invalid","点検")で確認する。'


def _answer(campaign: object, values: dict[int, str]) -> None:
    for checklist in Checklist.objects.filter(campaign=campaign):
        for answer in checklist.answers.select_related("item"):
            answer.value = values.get(answer.item.commitment_id or 0, "")
            answer.save()
        checklist.status = ChecklistStatus.SUBMITTED
        checklist.save()


def test_rows_match_the_commitments_one_to_one_with_status_and_gaps(world: World, tmp_path: Path) -> None:
    report = make_report(
        world.a,
        commitments=(
            ("所属長は年1回自己点検を行う。", CommitmentKind.SELF_INSPECTION),
            ("端末は二要素認証でログインする。", CommitmentKind.OPERATIONS),
            ("庁舎外への持出しは記録する。", CommitmentKind.PHYSICAL),
            (FORMULA, CommitmentKind.OTHER),
        ),
    )
    commitments = list(report.commitments.order_by("order"))
    campaign = make_campaign(world.a, [world.tax_a, world.other_a])
    _answer(
        campaign,
        {commitments[0].pk: AnswerValue.YES, commitments[1].pk: AnswerValue.NO, commitments[2].pk: AnswerValue.NA},
    )
    call_command(
        "report_periodic", "2026", "--municipality", world.a.code, "--out", str(tmp_path), stdout=io.StringIO()
    )
    wb = load_workbook(tmp_path / f"periodic-{world.a.code}-2026.xlsx")
    assert len(wb.worksheets) == 1
    ws = wb.worksheets[0]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True)]
    assert [r[2] for r in rows] == [c.text for c in report.commitments.order_by("order")]
    status = {r[2]: r[5] for r in rows}
    assert status["所属長は年1回自己点検を行う。"] == "実施"
    assert status["端末は二要素認証でログインする。"] == "未実施あり"
    assert status["庁舎外への持出しは記録する。"] == "該当なし"
    assert status[FORMULA] == "記録なし"
    gaps = {r[2]: r[7] for r in rows}
    assert "自己点検で「いいえ」が2件" in gaps["端末は二要素認証でログインする。"]
    assert gaps[FORMULA] == "この年度の記録がありません"
    # The free column for the year's 個別テーマ is there and empty.
    assert ws.cell(row=2, column=9).value == "個別テーマ（自由記入）" and all(r[8] is None for r in rows)
    # Text that looks like a formula stays text.
    cell = next(c for c in ws["C"] if c.value == FORMULA)
    assert cell.data_type == "s" and cell.quotePrefix
    entries = AuditEntry.objects.filter(action=Action.EXPORT, municipality=world.a).order_by("seq")
    assert [(e.after["format"], e.after["rows"]) for e in entries] == [("xlsx", len(rows)), ("pdf", len(rows))]
    assert len(rows) == Commitment.objects.filter(report=report).count()
    pdf = tmp_path / f"periodic-{world.a.code}-2026.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "定期的な報告" in text and "未実施あり" in text


def test_one_sheet_per_current_report_and_nothing_of_another_municipality(world: World, tmp_path: Path) -> None:
    other = make_report(world.a)
    other.series, other.title, other.report_number = "住民基本台帳", "住民基本台帳に関する事務", "3"
    other.save()
    make_report(world.a)
    make_report(world.b)
    call_command(
        "report_periodic", "2026", "--municipality", world.a.code, "--out", str(tmp_path), stdout=io.StringIO()
    )
    wb = load_workbook(tmp_path / f"periodic-{world.a.code}-2026.xlsx")
    assert [ws.title for ws in wb.worksheets] == ["3", "地方税に関する事務 全項目評価書"]


def test_bad_arguments_are_refused_in_japanese(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="団体コード 999999"):
        call_command("report_periodic", "2026", "--municipality", "999999", "--out", str(tmp_path))
    with pytest.raises(CommandError, match="西暦4桁"):
        call_command("report_periodic", "26", "--municipality", world.a.code, "--out", str(tmp_path))
