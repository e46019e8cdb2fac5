"""Pages people print (issue 19 §3): the 自己点検票, the audit sheet and the Section Ⅳ evidence page link the app's
stylesheet with its print rules, and printed they show the record without the menu, the forms and the skip link."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from piaops.core.demo import DEMO_PASSWORD
from tests.browser_login import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]

# Every @media print rule the page's stylesheets hold (same-origin sheets only: nothing is loaded from outside).
_PRINT_RULES_JS = """
() => [...document.styleSheets].flatMap(sheet => [...sheet.cssRules])
  .filter(rule => rule instanceof CSSMediaRule && rule.media.mediaText.includes('print'))
  .flatMap(rule => [...rule.cssRules].map(r => r.cssText))
"""


def _links(page: Page, pattern: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all("main a[href]", "els => els.map(a => a.pathname || '')")
    return [h for h in hrefs if re.fullmatch(pattern, h)]


def _first_link(page: Page, pattern: str) -> str:
    found = _links(page, pattern)
    assert found, f"{page.url}: no link like {pattern}"
    return found[0]


def _printed_pages(page: Page) -> dict[str, str]:
    log_in(page, "demo-admin", DEMO_PASSWORD)
    page.goto("/selfcheck/")
    page.goto(_first_link(page, r"/selfcheck/campaigns/\d+/"))
    checklist = _first_link(page, r"/selfcheck/checklists/\d+/")
    page.goto("/audits/")
    # The demo's programme holds audits; other browser tests add empty draft programmes for later 年度 to the list.
    programmes = _links(page, r"/audits/programmes/\d+/")
    audits: list[str] = []
    for programme in programmes:
        page.goto(programme)
        audits = _links(page, r"/audits/\d+/")
        if audits:
            break
    assert audits, f"no audit in the programmes {programmes}"
    audit = audits[0]
    page.goto("/reports/")
    section4 = _first_link(page, r"/reports/assessments/\d+/section4/")
    return {"自己点検票": checklist, "監査の調書": audit, "評価書Ⅳの根拠": section4}


def _shown(page: Page, selector: str) -> bool:
    return bool(page.locator(selector).first.evaluate("el => getComputedStyle(el).display !== 'none'"))


def test_printed_pages_keep_the_record_and_drop_the_menu(page: Page) -> None:
    for what, url in _printed_pages(page).items():
        page.emulate_media(media="screen")
        page.goto(url)
        assert page.locator('link[rel=stylesheet][href*="piaops/app.css"]').count() == 1, f"{what}: no app.css"
        rules = page.evaluate(_PRINT_RULES_JS)
        assert any("header.site nav" in r and "display: none" in r for r in rules), f"{what}: no print rule for nav"
        assert _shown(page, "header.site nav"), f"{what}: the menu is hidden on the screen"
        page.emulate_media(media="print")
        assert not _shown(page, "header.site nav"), f"{what}: the menu is printed"
        assert not _shown(page, ".skip"), f"{what}: the skip link is printed"
        assert _shown(page, "main h1"), f"{what}: the heading is not printed"
        assert page.locator("main table").count() == 0 or _shown(page, "main table"), f"{what}: the table is hidden"
        for form in page.locator("main form:not(#answers)").all():
            assert form.evaluate("el => getComputedStyle(el).display") == "none", f"{what}: a form is printed"
