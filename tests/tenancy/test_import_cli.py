from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from piaops.audittrail.models import Action, AuditEntry
from piaops.tenancy.models import Person
from tests.conftest import World
from tests.live import prepared_var_dir, run_piaops

HEADER = "職員番号,氏名,雇用形態,所属組織コード,配属開始日,特定個人情報取扱"


def _file(tmp_path: Path, *rows: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="cp932")
    return path


def test_it_imports_and_reports_the_counts(world: World, tmp_path: Path) -> None:
    path = _file(tmp_path, "8001,夕張 一,正規職員,A210,2026/4/1,有", "8002,夕張 二,派遣職員,A300,R8.4.1,無")
    out, err = io.StringIO(), io.StringIO()

    call_command("import_people", str(path), municipality="011002", stdout=out, stderr=err)

    assert "職員: 新規 2" in out.getvalue() and "Shift_JIS" in out.getvalue() and "取り込みました" in out.getvalue()
    assert err.getvalue() == ""  # no progress bar when stderr is not a terminal
    assert Person.objects.filter(municipality=world.a).count() == 2
    assert AuditEntry.objects.get(action=Action.IMPORT).actor_name.startswith("CLI")


def test_a_dry_run_saves_nothing(world: World, tmp_path: Path) -> None:
    path = _file(tmp_path, "8001,夕張 一,正規職員,A210,2026/4/1,有")
    out = io.StringIO()

    call_command("import_people", str(path), municipality="011002", dry_run=True, stdout=out, stderr=io.StringIO())

    assert "検証のみ" in out.getvalue() and "問題はありません" in out.getvalue()
    assert not Person.objects.exists() and not AuditEntry.objects.filter(action=Action.IMPORT).exists()


def test_a_bad_file_fails_with_every_issue_listed(world: World, tmp_path: Path) -> None:
    path = _file(tmp_path, "8001,夕張 一,正規職員,A999,2026/4/1,有", "8002,夕張 二,臨時,A210,2026/4/1,有")
    err = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("import_people", str(path), municipality="011002", stdout=io.StringIO(), stderr=err)

    assert caught.value.returncode == 1 and "何も登録していません" in str(caught.value)
    assert err.getvalue().splitlines() == [
        "people.csv 2行目「所属組織コード」: 組織コード「A999」の組織が登録されていません。",
        "people.csv 3行目「雇用形態」: 「臨時」は使えません。正規職員・会計年度任用職員・再任用職員・派遣職員・"
        "委託先従業者・その他 のいずれかを入力してください。",
    ]
    assert not Person.objects.exists()


def test_it_refuses_an_unknown_municipality(world: World, tmp_path: Path) -> None:
    path = _file(tmp_path, "8001,夕張 一,正規職員,A210,2026/4/1,有")

    with pytest.raises(CommandError, match="団体コード「999999」"):
        call_command("import_people", str(path), municipality="999999", stdout=io.StringIO())


@pytest.mark.engine_independent  # the real command runs on a SQLite file of its own (tests.live)
def test_the_real_command_exits_non_zero_on_a_bad_file_and_keeps_piped_output_clean(tmp_path: Path) -> None:
    var_dir = prepared_var_dir(tmp_path / "var", people=20)
    bad = _file(tmp_path, "8001,夕張 一,正規職員,NOPE,2026/4/1,有", name="bad.csv")
    good = _file(tmp_path, "8001,夕張 一,正規職員,310100,2026/4/1,有", name="good.csv")

    refused = run_piaops("import", "people", str(bad), "--municipality", "011002", var_dir=var_dir)
    imported = run_piaops("import", "people", str(good), "--municipality", "011002", var_dir=var_dir)

    assert refused.returncode == 1
    assert "bad.csv 2行目「所属組織コード」" in refused.stderr and "取込を中止しました" in refused.stderr
    assert imported.returncode == 0, imported.stderr
    assert "職員: 新規 1" in imported.stdout
    assert "\r" not in imported.stdout + imported.stderr and "|" not in imported.stderr  # no tqdm bar in a pipe
