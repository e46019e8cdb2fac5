"""Journey: the demo admin logs in, adds a unit, imports people into it from a CSV file, and sees them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from piaops.core.demo import DEMO_PASSWORD
from tests.browser_login import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]

HEADER = "職員番号,氏名,氏名カナ,雇用形態,所属組織コード,職名,配属開始日,特定個人情報取扱"


def _log_in(page: Page, username: str) -> None:
    log_in(page, username, DEMO_PASSWORD)


def test_the_admin_imports_people_and_sees_them(page: Page, shoot: Callable[[Page, str], Path], tmp_path: Path) -> None:
    roster = tmp_path / "職員一覧_令和8年度.csv"
    roster.write_bytes(
        "\n".join(
            [
                HEADER,
                "7700001,石狩 未来,イシカリ ミライ,正規職員,310100,主事,R8.4.1,有",
                "7700002,空知 光,ソラチ ヒカル,会計年度任用職員,310200,事務補助員,2026/4/1,有",
                "7700003,胆振 新,イブリ アラタ,再任用職員,990100,専門員,令和8年4月1日,無",
            ]
        ).encode("cp932")
    )
    page.goto("/login/")
    shoot(page, "01-login")
    _log_in(page, "demo-admin")
    shoot(page, "02-home")

    page.goto("/tenancy/units/new/")
    page.get_by_label("組織名").fill("番号制度推進係")
    page.get_by_label("組織コード").fill("990100")
    shoot(page, "02b-new-unit")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_text("番号制度推進係").first.is_visible()

    page.goto("/tenancy/import/")
    assert page.get_by_role("heading", name="職員データの取込").is_visible()
    shoot(page, "03-upload")
    page.get_by_label("職員データ").set_input_files(str(roster))
    page.get_by_role("button", name="内容を検証する").first.click()
    assert page.get_by_text("問題は見つかりませんでした").is_visible()
    assert page.locator("#counts tr", has_text="職員").locator("td").first.inner_text() == "3"
    shoot(page, "04-preview")

    page.get_by_role("button", name="取り込む").click()
    # The import runs as a background job: its page shows the progress, the outcome, then a link to the result.
    expect(page.get_by_text("取り込みました（職員 新規 3 件")).to_be_visible(timeout=60_000)
    shoot(page, "05-job")
    page.get_by_role("link", name="結果を見る").click()
    page.wait_for_url("**/tenancy/import/result/**")
    assert page.locator("#created-people").inner_text() == "7700001、7700002、7700003"
    shoot(page, "05-result")

    page.get_by_role("link", name="職員一覧へ").click()
    # 2,000 demo people fill the first pages: find the new ones the way a user would, by staff number.
    page.get_by_label("氏名・カナ・職員番号").fill("770000")
    page.get_by_label("氏名・カナ・職員番号").press("Enter")
    for name in ("石狩 未来", "空知 光", "胆振 新"):
        assert page.get_by_text(name).first.is_visible()
    shoot(page, "06-people-list")


def test_a_bad_file_shows_each_problem_and_imports_nothing(
    page: Page, shoot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    roster = tmp_path / "bad.csv"
    roster.write_text(f"{HEADER}\n7800001,後志 一,アルバイト,アルバイト,999999,,2026/4/31,有\n", encoding="utf-8")
    _log_in(page, "demo-admin")

    page.goto("/tenancy/import/")
    page.get_by_label("職員データ").set_input_files(str(roster))
    page.get_by_role("button", name="内容を検証する").first.click()

    assert page.get_by_text("何も登録していません").is_visible()
    issues = page.locator("#issues tbody tr")
    assert [issues.nth(i).locator("td").nth(2).inner_text() for i in range(issues.count())] == [
        "雇用形態",
        "所属組織コード",
        "配属開始日",
    ]
    assert page.get_by_role("button", name="取り込む").count() == 0
    shoot(page, "01-issues")


def test_a_read_only_user_gets_no_import_page(page: Page) -> None:
    _log_in(page, "demo-viewer")

    response = page.goto("/tenancy/import/")

    assert response is not None and response.status == 403
