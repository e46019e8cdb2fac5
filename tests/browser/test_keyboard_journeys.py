"""Keyboard only (issue 19 §3, JIS X 8341-3 2.1.1, 2.4.7): a 所属長 opens a checklist, answers, saves and submits it;
the 番号制度総括管理者 returns it with a comment; the 所属長 follows the comment to its item. No mouse: links and
buttons are reached with Tab and used with Enter, radios with the arrow keys, checkboxes with the space bar; every
stop shows its focus ring. The log-in itself uses the shared helper (it is not part of the journeys).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from piaops.core.demo import DEMO_PASSWORD
from tests.browser.keyboard import assert_focus_visible, choose, follow, tab_to, type_into
from tests.browser_login import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]

CAMPAIGN = "特定個人情報の取扱いに関する自己点検"
UNIT = "税政課（310100）"  # the demo 所属長's unit, named with its code as every list names a unit


def _log_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username, DEMO_PASSWORD)
    page.goto("/")  # the home page, focus at the document's start, as after typing the address


def _press(page: Page, button_name: str) -> None:
    button = page.get_by_role("button", name=button_name, exact=True)
    tab_to(page, button)
    assert_focus_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_skip_link_is_the_first_stop_and_shows_when_focused(page: Page) -> None:
    _log_in(page, "demo-head")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へ移動")
    assert skip.evaluate("(el) => el === document.activeElement")
    assert_focus_visible(page)
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the skip link stays off the screen when focused"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def _open_unit_checklist(page: Page, status: str) -> None:
    """From the home page, through the menu, the launched campaign and its row for 税政課 in ``status``."""
    follow(page, page.locator("header nav").get_by_role("link", name="自己点検", exact=True))
    launched = page.locator("tbody tr", has_text=CAMPAIGN).filter(has_text="実施中").first
    follow(page, launched.get_by_role("link", name=CAMPAIGN))
    row = page.locator("tbody tr", has=page.get_by_role("link", name=UNIT, exact=True)).filter(has_text=status)
    follow(page, row.get_by_role("link", name=UNIT, exact=True).first)


def test_self_inspection_and_its_return_with_the_keyboard_only(page: Page) -> None:
    # --- the admin re-opens 税政課's accepted checklist (the demo's 所属長 has no open one), giving the reason
    _log_in(page, "demo-admin")
    _open_unit_checklist(page, "確認済")
    checklist_url = page.url
    type_into(page, page.get_by_label("再開の理由"), "記録の確認方法を追記してもらうため。")
    assert_focus_visible(page)
    _press(page, "理由を記録して再開する")
    expect(page.get_by_text("自己点検票を再開しました", exact=False)).to_be_visible()

    # --- the 所属長 opens it from the menu and the list of the unit's checklists, answers, saves, then submits
    _log_in(page, "demo-head")
    follow(page, page.locator("header nav").get_by_role("link", name="自己点検", exact=True))
    mine = page.locator("section", has=page.get_by_role("heading", name="所属の自己点検票"))
    row = mine.locator("tbody tr", has_text=CAMPAIGN).filter(has=page.locator(".badge", has_text="差戻し")).first
    follow(page, row.get_by_role("link", name=UNIT, exact=True))
    assert page.url == checklist_url
    expect(page.get_by_role("heading", level=1)).to_contain_text(UNIT)
    rows = page.locator("#answers > table > tbody > tr")
    assert rows.count() > 0
    choose(page, rows.first.locator("fieldset"), "はい")
    assert_focus_visible(page)
    type_into(page, rows.first.get_by_label(re.compile("^コメント")), "月末に係長が記録を確認している。")
    assert_focus_visible(page)
    for i in range(1, rows.count()):  # any item left unanswered gets はい
        group = rows.nth(i).locator("fieldset")
        if group.locator("input[value='']:checked").count():
            choose(page, group, "はい")
    _press(page, "下書き保存")
    expect(page.get_by_text("下書きを保存しました。")).to_be_visible()
    expect(page.locator("#answers textarea").first).to_have_value("月末に係長が記録を確認している。")
    type_into(page, page.get_by_label(re.compile("「提出」は取り消せません")), True)
    assert_focus_visible(page)
    _press(page, "所属長として確認し提出する")
    expect(page.get_by_text("提出しました。", exact=False)).to_be_visible()
    expect(page.get_by_text("状態: 提出済")).to_be_visible()

    # --- the admin finds it in the campaign and returns it with a comment on item 1
    _log_in(page, "demo-admin")
    _open_unit_checklist(page, "提出済")
    assert page.url == checklist_url
    type_into(page, page.get_by_label("項目1へのコメント"), "確認した記録の名称を書いてください。")
    assert_focus_visible(page)
    _press(page, "差し戻す")
    expect(page.get_by_text("差し戻しました。")).to_be_visible()

    # --- the 所属長 opens it: the comment is at the top, and its link leads to the item
    _log_in(page, "demo-head")
    page.goto(checklist_url)
    top = page.locator("#review-comments")
    expect(top).to_contain_text("確認した記録の名称を書いてください。")
    link = top.get_by_role("link", name="項目1")
    tab_to(page, link)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    first = page.locator("#answers > table > tbody > tr").first
    expect(page).to_have_url(re.compile(r"#item-\d+$"))
    assert page.url.endswith("#" + (first.get_attribute("id") or "?"))


def test_a_refused_form_takes_the_focus_to_its_error_summary_and_links_to_the_field(page: Page) -> None:
    _log_in(page, "demo-admin")
    page.goto("/tenancy/units/new/")
    _press(page, "保存")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert summary.evaluate("(el) => el === document.activeElement"), "the summary does not take the focus"
    link = summary.get_by_role("link").first
    target = (link.get_attribute("href") or "#")[1:]
    tab_to(page, link)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    field = page.locator(f"#{target}")
    assert field.evaluate("(el) => el === document.activeElement"), "the link does not take the focus to its field"
    assert field.get_attribute("aria-invalid") == "true"
    described = (field.get_attribute("aria-describedby") or "").split()
    assert f"{target}_error" in described
    expect(page.locator(f"#{target}_error")).to_be_visible()
