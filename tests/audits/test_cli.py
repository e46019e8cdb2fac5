from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from piaops.audits import services
from piaops.audittrail.models import Action, AuditEntry
from tests.audits.helpers import FY, TODAY, audit, programme, works
from tests.conftest import World


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_programme_check_names_the_gaps_and_fails_while_the_programme_would_be_refused(world: World) -> None:
    tax, pension = works(world)
    p = programme(world)
    audit(p, world.tax_a, [tax])
    with pytest.raises(CommandError):
        _run("audit_programme_check", str(FY), "--municipality", "011002")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:  # --json: one JSON document, the error in it, the same exit code
        call_command("audit_programme_check", str(FY), "--municipality", "011002", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert exited.value.code == 1 and data["error"].startswith("この監査計画は承認できません")
    assert data["missing_works"] == ["国民年金事務"] and data["approvable"] is False
    assert {row["unit"] for row in data["onsite_missing"]} == {"税政課", "保険年金課"}
    audit(p, world.other_a, [pension])
    text = _run("audit_programme_check", str(FY), "--municipality", "011002")
    assert "2 / 2 事務（100.0%）" in text and "現地監査が計画されていない所属: 税政課（前回: なし）" in text


def test_programme_check_fails_for_a_missing_programme_or_municipality(world: World) -> None:
    with pytest.raises(CommandError, match="監査計画がありません"):
        _run("audit_programme_check", str(FY), "--municipality", "011002")
    with pytest.raises(CommandError, match="見つかりません"):
        _run("audit_programme_check", str(FY), "--municipality", "999999")


def test_report_writes_an_xlsx_and_records_the_export(world: World, tmp_path: Path) -> None:
    tax, pension = works(world)
    p = programme(world)
    audit(p, world.tax_a, [tax, pension])
    services.programme_approve(programme=p, today=TODAY)
    out = tmp_path / "r.xlsx"
    text = _run("audit_report", str(FY), "--kind", "results", "--format", "xlsx", "--out", str(out),
                "--municipality", "011002")  # fmt: skip
    assert "監査結果報告書" in text
    wb = load_workbook(out)
    assert [r[0] for r in wb["監査"].iter_rows(min_row=2, values_only=True)] == ["税政課"]
    assert AuditEntry.objects.filter(action=Action.EXPORT, municipality=world.a).exists()
