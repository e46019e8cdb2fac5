"""``piaops assessment import-dir``: a folder of reports, each matched to its work by its 事務の名称 (issue 18 §3)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from piaops.assessments import batch
from piaops.assessments.models import AssessmentReport
from piaops.assessments.parser import parse_report
from piaops.cli import _resolve
from piaops.tenancy.models import Work
from tests import factories as f
from tests.assessments.report_files import docx_of, parts_of, pdf_of, xlsx_of
from tests.conftest import World

REFERENCE = Path(__file__).parents[2] / "src/piaops/assessments/data/sapporo_local_tax_section_iv.md"


def report_text(work: str) -> str:
    """The reference Section Ⅳ under a cover and a Section Ⅰ naming ``work``."""
    return (
        f"特定個人情報保護評価書（全項目評価書）\n評価書名 {work} 全項目評価書\n\n"
        f"Ⅰ 基本情報\n\n| ①事務の名称 | <p>{work}</p> |\n|---|---|\n\n" + REFERENCE.read_text(encoding="utf-8")
    )


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return int(str(exc.code)), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.parametrize(
    ("stated", "registered"),
    [
        ("地方税の賦課徴収に関する事務", "地方税賦課徴収事務"),
        ("住民基本台帳に関する事務", "住民基本台帳に関する事務"),
        ("国民健康保険に係る事務 全項目評価書", "国民健康保険事務"),
        ("児童手当の支給に関する事務", "児童手当支給事務"),
    ],
)
def test_work_names_match_across_the_wordings_writers_use(stated: str, registered: str) -> None:
    assert batch.work_key(stated) == batch.work_key(registered)


def test_different_works_do_not_match() -> None:
    assert batch.work_key("地方税の賦課徴収に関する事務") != batch.work_key("地方税の滞納整理に関する事務")


def test_the_report_states_its_work_in_section_i() -> None:
    parsed = parse_report(report_text("住民基本台帳に関する事務"))
    assert batch.stated_work(parsed) == "住民基本台帳に関する事務"


def test_a_folder_is_imported_file_by_file_and_unknown_works_are_listed_not_created(
    world: World, tmp_path: Path
) -> None:
    f.work(world.a, "地方税賦課徴収事務")
    f.work(world.a, "住民基本台帳に関する事務")
    f.work(world.b, "国民健康保険に関する事務")  # another municipality's work is not a match
    (tmp_path / "01_tax.pdf").write_bytes(pdf_of(parts_of(report_text("地方税の賦課徴収に関する事務"))))
    (tmp_path / "02_juki.xlsx").write_bytes(xlsx_of(parts_of(report_text("住民基本台帳に関する事務"))))
    (tmp_path / "03_kokuho.docx").write_bytes(docx_of(parts_of(report_text("国民健康保険に関する事務"))))
    (tmp_path / "04_minutes.txt").write_text("会議録\n本日は以上です。\n", encoding="utf-8")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    works_before = Work.objects.count()

    code, out = run("assessment_import_dir", str(tmp_path), "--municipality", "011002")
    assert code == 1  # two files need the operator
    lines = out.splitlines()
    assert lines[0].split() == ["ファイル", "評価書の事務の名称", "登録の事務", "結果", "版", "約束"]
    commitments = str(len(parse_report(report_text("地方税の賦課徴収に関する事務")).commitments()))
    assert lines[2].split() == [
        "01_tax.pdf", "地方税の賦課徴収に関する事務", "地方税賦課徴収事務", "取込済", "第1版", commitments,
    ]  # fmt: skip
    assert "国民健康保険に関する事務" in out.split("未登録の事務")[1]
    assert "04_minutes.txt: " in out and "photo.png" in out.split("読まなかったファイル")[1]
    assert Work.objects.count() == works_before
    saved = AssessmentReport.objects.filter(municipality=world.a).order_by("source_name")
    assert [(r.source_name, r.source_encoding, [w.name for w in r.works.all()]) for r in saved] == [
        ("01_tax.pdf", "pdf", ["地方税賦課徴収事務"]),
        ("02_juki.xlsx", "xlsx", ["住民基本台帳に関する事務"]),
    ]

    # The same folder again changes nothing; --json gives the same summary for a machine.
    code, out = run("assessment_import_dir", str(tmp_path), "--municipality", "011002", "--json")
    summary = json.loads(out)
    assert code == 1 and AssessmentReport.objects.count() == 2
    assert [(x["name"], x["status"]) for x in summary["files"]] == [
        ("01_tax.pdf", "unchanged"),
        ("02_juki.xlsx", "unchanged"),
        ("03_kokuho.docx", "unknown_work"),
        ("04_minutes.txt", "refused"),
    ]
    assert summary["unknown_works"] == ["国民健康保険に関する事務"] and summary["skipped"] == ["photo.png"]


def test_a_dry_run_saves_nothing_and_the_operator_name_resolves(world: World, tmp_path: Path) -> None:
    f.work(world.a, "地方税賦課徴収事務")
    (tmp_path / "tax.md").write_text(report_text("地方税の賦課徴収に関する事務"), encoding="utf-8")
    code, out = run("assessment_import_dir", str(tmp_path), "--municipality", "011002", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["files"][0]["status"] == "planned"
    assert json.loads(out)["files"][0]["version"] == 1
    assert not AssessmentReport.objects.exists()
    assert _resolve(["assessment", "import-dir", "x"]) == ["assessment_import_dir", "x"]
    code, out = run("assessment_import_dir", str(tmp_path / "missing"), "--municipality", "011002", "--json")
    assert code == 1 and "見つかりません" in json.loads(out)["error"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_progress_bar_counts_the_files_on_stderr(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """§3: a progress bar while the folder is read (on standard error, so --json stays clean; off a terminal, as in
    a pipe or a log, it is not drawn)."""
    f.work(world.a, "地方税賦課徴収事務")
    for n in range(3):
        (tmp_path / f"{n}.md").write_text(report_text("地方税の賦課徴収に関する事務") + f"\n<!-- {n} -->\n", "utf-8")
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    code, out = run("assessment_import_dir", str(tmp_path), "--municipality", "011002", "--dry-run", "--json")
    assert code == 0 and len(json.loads(out)["files"]) == 3
    drawn = terminal.getvalue()
    assert drawn.startswith("\r評価書:") and "/3 [" in drawn and "件/s" in drawn  # the count of files to read
