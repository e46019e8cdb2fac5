"""axe-core over the pages only a form leads to (issue 19 §3): the crawl of test_accessibility.py follows links and
never submits, so the import confirmations and a job's progress page are reached here the way the user does, then
checked with the same rules. The confirmations are left unconfirmed and the door log and training files only
checked (検証のみ / 検査のみ): nothing is imported."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from piaops.core.demo import DEMO_PASSWORD
from tests.browser.test_accessibility import AXE, _violations
from tests.browser_login import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]

REPORT = Path(__file__).resolve().parents[1] / "assessments" / "data" / "sapporo_section_iv.md"
ROSTER = (
    "職員番号,氏名,氏名カナ,雇用形態,所属組織コード,職名,配属開始日,特定個人情報取扱\n"
    "7790001,石狩 未来,イシカリ ミライ,正規職員,310100,主事,R8.4.1,有\n"
)
# Formats as in tests/areas/test_importing.py and tests/training/test_import.py; 0100001 is the demo's first person
# and PRV-EL one of its courses.
DOOR_LOG = "日時,カード番号,入退\n2026-11-02 08:15:00,A1,入室\n2026/11/02 9:05,A1,退室\n"
DOOR_LOG_BAD = "日時,カード番号,入退\n2026-02-30 08:00,A1,入室\n2026-11-02 08:15,A1,どこか\n"
TRAINING = "職員番号,研修コード,受講日,結果\n0100001,PRV-EL,2026-11-02,修了\n"
TRAINING_BAD = "職員番号,研修コード,受講日,結果\n9999999,PRV-EL,2026-11-02,修了\n0100001,NOPE,2026-13-01,\n"


def _behind_forms(page: Page, tmp_path: Path) -> Iterator[str]:
    """Go to each page behind a form in turn, yielding its name once it is on the screen."""
    # 職員データの取込: the confirmation page after the file is checked.
    roster = tmp_path / "職員一覧.csv"
    roster.write_bytes(ROSTER.encode("cp932"))
    page.goto("/tenancy/import/")
    page.get_by_label("職員データ").set_input_files(str(roster))
    page.get_by_role("button", name="内容を検証する").first.click()
    page.get_by_role("button", name="取り込む").wait_for()
    yield "職員データの取込 確認"
    # 評価書の取込: the preview of what was read.
    page.goto("/assessments/import/")
    page.get_by_label("評価書ファイル").set_input_files(str(REPORT))
    page.get_by_label("地方税賦課徴収事務").check()
    page.get_by_role("button", name="読み取り結果を確認").click()
    page.get_by_role("button", name="この内容で保存する").wait_for()
    yield "評価書の取込 確認"
    # 評価書の一括取込: the preview of the files read, matched to works by name.
    page.goto("/assessments/import/batch/")
    page.get_by_label(re.compile("^評価書ファイル（複数選択")).set_input_files(str(REPORT))
    page.get_by_role("button", name="読み取り結果を確認").click()
    page.get_by_role("link", name="やり直す").first.wait_for()
    yield "評価書の一括取込 確認"
    # 入退室ログの取込: 検証のみ (the dry run's report), then a file with errors (every bad row listed).
    door_log, door_log_bad = tmp_path / "入退室ログ.csv", tmp_path / "入退室ログ_誤り.csv"
    door_log.write_bytes(DOOR_LOG.encode("cp932"))
    door_log_bad.write_bytes(DOOR_LOG_BAD.encode("cp932"))
    page.goto("/areas/")
    page.locator("main a[href^='/areas/']", has_text="サーバー室").first.click()
    page.get_by_role("link", name="入退室ログを取り込む").click()
    import_page = page.url
    page.get_by_label(re.compile("^入退室ログ")).set_input_files(str(door_log))
    page.get_by_role("button", name="検証のみ").click()
    page.get_by_role("status").filter(has_text="検証しました").wait_for()
    yield "入退室ログの取込 検証"
    page.goto(import_page)
    page.get_by_label(re.compile("^入退室ログ")).set_input_files(str(door_log_bad))
    page.get_by_role("button", name="検証のみ").click()
    page.get_by_role("alert").filter(has_text="何も取り込んでいません").wait_for()
    yield "入退室ログの取込 誤り"
    # 受講記録の一括取込: 検査のみ (ticked by default), a good file then one with errors.
    training, training_bad = tmp_path / "受講記録.csv", tmp_path / "受講記録_誤り.csv"
    training.write_bytes(TRAINING.encode("cp932"))
    training_bad.write_bytes(TRAINING_BAD.encode("cp932"))
    for file, outcome, name in (
        (training, ("status", "誤りはありませんでした"), "受講記録の一括取込 検査"),
        (training_bad, ("alert", "何も登録していません"), "受講記録の一括取込 誤り"),
    ):
        page.goto("/training/records/import/")
        page.get_by_label(re.compile("^ファイル")).set_input_files(str(file))
        expect(page.get_by_label("検査のみ（登録しない）")).to_be_checked()
        page.get_by_role("button", name="実行").click()
        page.get_by_role(outcome[0]).filter(has_text=outcome[1]).wait_for()  # type: ignore[arg-type]
        yield name
    # 監査計画を作成: a draft programme (of a far 年度; test_picklists makes 2040's) shows the 監査を追加 form.
    page.goto("/audits/")
    page.get_by_label("年度", exact=True).fill("2041")
    page.get_by_label("前年度の監査計画を複写して始める").uncheck()
    page.get_by_role("button", name="作成").click()
    page.get_by_role("heading", name="監査を追加").wait_for()
    yield "監査計画（作成中）"
    # A refused form: its error summary (focused) and the fields marked invalid.
    page.goto("/tenancy/units/new/")
    page.get_by_role("button", name="保存").click()
    page.locator(".error-summary").wait_for()
    yield "入力の誤り"
    # 自己点検の集計: the campaign's summary report made as a job, its progress page then its finished state.
    page.goto("/selfcheck/")
    page.locator("main tbody tr", has_text="実施中").get_by_role("link").first.click()
    page.get_by_role("button", name="集計報告をPDFで作成").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    yield "ジョブの進捗"
    page.get_by_text("集計報告（PDF）を作成しました。").wait_for(timeout=120_000)
    page.reload()
    yield "ジョブの完了"


def test_pages_behind_a_form_pass_axe_wcag21_aa(browser: Browser, server_url: str, tmp_path: Path) -> None:
    context = browser.new_context(base_url=server_url, locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(15_000)
    context.add_init_script(path=str(AXE))
    problems: list[str] = []
    checked: list[str] = []
    try:
        page = context.new_page()
        log_in(page, "demo-admin", DEMO_PASSWORD)
        for name in _behind_forms(page, tmp_path):
            checked.append(name)
            for violation in _violations(page):
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
                problems.append(f"{name} {page.url}: {violation['id']} ({violation['help']}): {targets}")
    finally:
        context.close()
    assert checked == [
        "職員データの取込 確認",
        "評価書の取込 確認",
        "評価書の一括取込 確認",
        "入退室ログの取込 検証",
        "入退室ログの取込 誤り",
        "受講記録の一括取込 検査",
        "受講記録の一括取込 誤り",
        "監査計画（作成中）",
        "入力の誤り",
        "ジョブの進捗",
        "ジョブの完了",
    ]
    assert not problems, "\n".join(problems)
