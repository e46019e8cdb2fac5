from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from piaops.assessments.models import AssessmentReport
from piaops.audittrail.models import Action, AuditEntry
from piaops.cli import _resolve
from tests import factories as f
from tests.conftest import World

REFERENCE = Path(__file__).parents[2] / "src/piaops/assessments/data/sapporo_local_tax_section_iv.md"
WORK = "地方税賦課徴収事務"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_operator_names_map_to_the_commands(db: None) -> None:
    assert _resolve(["assessment", "import", "x.md"]) == ["assessment_import", "x.md"]
    assert _resolve(["assessment", "list"]) == ["assessment_list"]
    assert _resolve(["assessment", "export", "3"]) == ["assessment_export", "3"]


def test_a_dry_run_saves_nothing_and_reports_in_json(world: World) -> None:
    f.work(world.a, WORK)
    out = run("assessment_import", str(REFERENCE), "--municipality", "011002", "--work", WORK, "--dry-run", "--json")
    summary = json.loads(out)
    assert summary["dry_run"] is True and summary["version"] == 1
    assert summary["counts"]["items"] == 4 and summary["counts"]["rated"] == 3
    assert [i["number_path"] for i in summary["items"]] == ["Ⅳ-1-①", "Ⅳ-1-②", "Ⅳ-2", "Ⅳ-3"]
    assert not AssessmentReport.objects.exists() and not AuditEntry.objects.exists()


def test_import_then_list_then_export(world: World, tmp_path: Path) -> None:
    f.work(world.a, WORK)
    out = run(
        "assessment_import", str(REFERENCE), "--municipality", "011002", "--work", WORK,
        "--published-on", "2023-03-27", "--json",
    )  # fmt: skip
    result = json.loads(out)
    report = AssessmentReport.objects.get(pk=result["id"])
    assert result["version"] == 1 and result["commitments"] == report.commitments.count() > 0
    entry = AuditEntry.objects.get(action=Action.IMPORT)
    assert entry.actor_name.startswith("cli:") and entry.municipality_id == world.a.pk

    listed = json.loads(run("assessment_list", "--municipality", "011002", "--json"))
    assert listed == [
        {
            "id": report.pk,
            "series": WORK,
            "version": 1,
            "status": "published",
            "title": report.title,
            "works": [WORK],
            "published_on": "2023-03-27",
            "next_full_reassessment_due": "2028-03-27",
            "commitments": report.commitments.count(),
        }
    ]
    assert "第1版" in run("assessment_list", "--municipality", "011002")

    target = tmp_path / "c.xlsx"
    run("assessment_export", str(report.pk), "--format", "xlsx", "--out", str(target))
    sheet = load_workbook(target)["約束"]
    assert sheet.max_row == report.commitments.count() + 1
    text = run("assessment_export", str(report.pk), "--format", "text")
    assert "| ②監査 | <p>[十分に行っている]" in text
    assert AuditEntry.objects.filter(action=Action.EXPORT).count() == 2


def test_the_cli_refuses_bad_input_in_japanese(world: World, tmp_path: Path) -> None:
    f.work(world.a, WORK)
    bad = tmp_path / "memo.txt"
    bad.write_text("会議録\n以上\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        run("assessment_import", str(bad), "--municipality", "011002", "--work", WORK)
    assert "評価書" in str(caught.value)
    with pytest.raises(CommandError, match="登録されていません"):
        run("assessment_import", str(REFERENCE), "--municipality", "011002", "--work", "存在しない事務")
    with pytest.raises(CommandError, match="見つかりません"):
        run("assessment_list", "--municipality", "999999")
    assert not AssessmentReport.objects.exists()


def test_export_can_be_limited_to_one_municipality(world: World) -> None:
    f.work(world.a, WORK)
    run("assessment_import", str(REFERENCE), "--municipality", "011002", "--work", WORK)
    report = AssessmentReport.objects.get()
    with pytest.raises(CommandError, match="見つかりません"):
        run("assessment_export", str(report.pk), "--municipality", "130001")


def test_a_dry_run_lists_every_commitment_with_its_cadences(world: World) -> None:
    f.work(world.a, WORK)
    out = run("assessment_import", str(REFERENCE), "--municipality", "011002", "--work", WORK, "--dry-run", "--json")
    summary = json.loads(out)
    rows = summary["commitments"]
    assert len(rows) == summary["counts"]["commitments"]
    assert {"section", "item", "party", "text", "cadences"} <= set(rows[0])
    (training,) = [r for r in rows if "年次(年2回)" in r["text"]]
    assert training["item"] == "Ⅳ-2" and "中間サーバー" in training["party"]
    assert training["cadences"] == [
        {"value": "semiannual", "label": "年2回"},
        {"value": "on_assignment", "label": "新規着任時"},
    ]
    (initial,) = [r for r in rows if r["text"].startswith("地方税賦課徴収事務にかかわる職員")]
    assert [c["value"] for c in initial["cadences"]] == ["initial", "periodic"]
    assert not AssessmentReport.objects.exists()
    text = run("assessment_import", str(REFERENCE), "--municipality", "011002", "--work", WORK, "--dry-run")
    assert "〔年2回・新規着任時〕" in text


def _failing(*args: str) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command(*args, stdout=out, stderr=io.StringIO())
    return int(str(exited.value.code)), json.loads(out.getvalue())


def test_json_errors_are_json_with_the_exit_code_of_the_plain_error(world: World, tmp_path: Path) -> None:
    f.work(world.a, WORK)
    with pytest.raises(CommandError) as plain:
        run("assessment_import", str(REFERENCE), "--municipality", "999999", "--work", WORK)
    code, body = _failing("assessment_import", str(REFERENCE), "--municipality", "999999", "--work", WORK, "--json")
    assert code == plain.value.returncode == 1
    assert body == {"error": "団体コード 999999 の団体が見つかりません。", "problems": []}
    code, body = _failing("assessment_list", "--municipality", "999999", "--json")
    assert code == 1 and "999999" in str(body["error"])

    numbered = tmp_path / "numbered.md"
    numbered.write_text(
        REFERENCE.read_text(encoding="utf-8").replace("自己点検票による確認を行う。", "番号123456789018を確認する。"),
        encoding="utf-8",
    )
    code, body = _failing(
        "assessment_import", str(numbered), "--municipality", "011002", "--work", WORK, "--dry-run", "--json"
    )
    assert code == 1 and "8行目" in str(body["error"])
    assert body["problems"] == [{"line": 8, "message": body["problems"][0]["message"]}]  # type: ignore[index]
    assert "123456789018" not in json.dumps(body, ensure_ascii=False)
    minutes = tmp_path / "minutes.txt"
    minutes.write_text("会議録\n本日は以上です。\n", encoding="utf-8")
    code, body = _failing("assessment_import", str(minutes), "--municipality", "011002", "--work", WORK, "--json")
    assert code == 1 and body["problems"] and not AssessmentReport.objects.exists()
