"""Searchable pick lists (issue 19 §2): typing part of a name or code in the filter box above a list of units, people
or users (or a long list of checkboxes) keeps only the matching ones, both 市民税課 told apart by their codes;
without JavaScript the box is not shown and the plain list still works."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from piaops.core.demo import DEMO_PASSWORD
from tests.browser.keyboard import assert_every_field_labelled, tab_to
from tests.browser.test_accessibility import AXE, _violations
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


def test_the_people_and_user_pick_lists_narrow_by_name_or_number(page: Page) -> None:
    """職員等 (a person, e.g. the person of a new account) is found by a staff number or a name; 監査人 (a user of
    the directory of accounts) by a part of the display name."""
    log_in(page, "demo-admin", DEMO_PASSWORD)
    page.goto("/tenancy/users/new/")
    person = page.get_by_label("職員等", exact=True)
    everyone = person.evaluate(SHOWN_OPTIONS_JS)
    assert len(everyone) >= 20
    wanted = everyone[len(everyone) // 2]  # 「氏名（職員番号）」
    number = wanted.rpartition("（")[2].rstrip("）")
    box = page.locator(f"#{person.get_attribute('id')}_filter")
    assert_every_field_labelled(page)
    tab_to(page, box)
    page.keyboard.type(number)
    assert person.evaluate(SHOWN_OPTIONS_JS) == [wanted]
    assert page.locator(".picklist-count").first.inner_text() == "1件"
    family = wanted.split()[0]
    page.keyboard.press("Control+A")
    page.keyboard.type(family)
    shown = person.evaluate(SHOWN_OPTIONS_JS)
    assert wanted in shown and len(shown) < len(everyone)
    assert all(family in text for text in shown), shown

    # A draft audit programme (of a far 年度, not to disturb the demo's own) offers its auditors as a pick list.
    page.goto("/audits/")
    page.get_by_label("年度", exact=True).fill("2040")
    page.get_by_label("前年度の監査計画を複写して始める").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="作成").click()
    auditors = page.get_by_label("監査人", exact=True)
    assert auditors.evaluate(SHOWN_OPTIONS_JS) == ["内部統制推進課 監査人"]  # only the holders of the 監査人 role
    assert "税政課（310100）" in page.get_by_label("監査対象所属").evaluate(SHOWN_OPTIONS_JS)
    assert_every_field_labelled(page)
    box = page.locator(f"#{auditors.get_attribute('id')}_filter")
    box.fill("内部統制")
    assert auditors.evaluate(SHOWN_OPTIONS_JS) == ["内部統制推進課 監査人"]
    box.fill("税政課")
    assert auditors.evaluate(SHOWN_OPTIONS_JS) == []


SHOWN_BOXES_JS = "el => [...el.querySelectorAll('label')].filter(l => l.offsetParent).map(l => l.innerText.trim())"


def test_a_long_list_of_checkboxes_gets_the_same_filter_box(page: Page) -> None:
    """担当組織 of a work (every unit, a checkbox each) is narrowed like a select; a ticked box always stays, and
    Enter in the box goes to the first box still shown; axe finds nothing with the list narrowed."""
    page.context.add_init_script(path=str(AXE))
    log_in(page, "demo-admin", DEMO_PASSWORD)
    page.goto("/tenancy/works/new/")
    units = page.locator("#id_units")
    everyone = units.evaluate(SHOWN_BOXES_JS)
    assert len(everyone) > 10
    box = page.get_by_label("絞り込み（名前・カナ・コードの一部）")
    expect(box).to_be_visible()
    assert_every_field_labelled(page)
    tab_to(page, box)
    page.keyboard.type("市民税")
    shown = units.evaluate(SHOWN_BOXES_JS)
    assert {"市民税課（320110）", "市民税課（320210）"} <= set(shown) and len(shown) < len(everyone)
    assert all("市民税" in text for text in shown), shown
    assert page.locator("#id_units_filter ~ .picklist-count").inner_text() == f"{len(shown)}件"
    assert [v["id"] for v in _violations(page)] == []
    page.keyboard.press("Enter")  # to the first box shown, the form is not sent
    first = units.get_by_label(shown[0], exact=True)
    expect(first).to_be_focused()
    page.keyboard.press("Space")
    expect(first).to_be_checked()
    box.fill("320210")
    assert units.evaluate(SHOWN_BOXES_JS) == sorted({shown[0], "市民税課（320210）"}, key=shown.index)


def test_a_short_list_of_checkboxes_and_the_pages_without_javascript_have_no_filter_box(
    browser: Browser, server_url: str
) -> None:
    context = browser.new_context(base_url=server_url, locale="ja-JP", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, "demo-admin", DEMO_PASSWORD)
        page.goto("/tenancy/works/new/")
        expect(page.locator("#id_units_filter")).to_be_hidden()
        assert "市民税課（320210）" in page.locator("#id_units").evaluate(SHOWN_BOXES_JS)
        assert_every_field_labelled(page)
        page.goto("/tenancy/users/new/")
        expect(page.locator("#id_person_filter")).to_be_hidden()
    finally:
        context.close()
    context = browser.new_context(base_url=server_url, locale="ja-JP")
    try:
        page = context.new_page()
        log_in(page, "demo-admin", DEMO_PASSWORD)
        page.goto("/incidents/new/")  # the demo's few works: a short list, no box
        assert 0 < len(page.locator("#id_works").evaluate(SHOWN_BOXES_JS)) <= 10
        assert page.locator("#id_works_filter").count() == 0
    finally:
        context.close()
