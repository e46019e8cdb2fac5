"""Searchable pick lists (issue 19 §2): typing part of a unit's name or code in the filter box above a list of units
keeps only the matching ones, both 市民税課 told apart by their codes; without JavaScript the box is not shown and
the plain list still works."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from piaops.core.demo import DEMO_PASSWORD
from tests.browser.keyboard import assert_every_field_labelled, tab_to
from tests.browser_login import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]

SHOWN_OPTIONS_JS = "el => [...el.options].filter(o => !o.hidden && o.value).map(o => o.text.trim())"


def test_typing_in_the_filter_box_narrows_the_unit_list(page: Page) -> None:
    log_in(page, "demo-admin", DEMO_PASSWORD)
    page.goto("/tenancy/people/")
    select = page.get_by_label("所属（下位組織を含む）", exact=True)
    total = len(select.evaluate(SHOWN_OPTIONS_JS))
    box = page.locator(f"#{select.get_attribute('id')}_filter")
    expect(box).to_be_visible()
    assert_every_field_labelled(page)
    tab_to(page, box)
    page.keyboard.type("市民税")
    shown = select.evaluate(SHOWN_OPTIONS_JS)
    assert 2 <= len(shown) < total
    assert all("市民税" in text for text in shown), shown
    assert {"市民税課（320110）", "市民税課（320210）"} <= set(shown)
    page.keyboard.press("Control+A")
    page.keyboard.type("320210")  # a code narrows to the one unit
    assert select.evaluate(SHOWN_OPTIONS_JS) == ["市民税課（320210）"]
    page.keyboard.press("Enter")  # Enter moves to the list, it does not send the form
    assert select.evaluate("el => el === document.activeElement")
    select.select_option(label=select.evaluate(SHOWN_OPTIONS_JS)[0])
    with page.expect_navigation():
        page.get_by_role("button", name="検索").click()
    assert "unit=" in page.url


def test_without_javascript_the_plain_list_is_all_there_is(browser: Browser, server_url: str) -> None:
    context = browser.new_context(base_url=server_url, locale="ja-JP", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, "demo-admin", DEMO_PASSWORD)
        page.goto("/tenancy/people/")
        select = page.get_by_label("所属（下位組織を含む）", exact=True)
        expect(page.locator(f"#{select.get_attribute('id')}_filter")).to_be_hidden()
        assert "市民税課（320210）" in [t.strip() for t in select.locator("option").all_inner_texts()]
        assert_every_field_labelled(page)
    finally:
        context.close()
