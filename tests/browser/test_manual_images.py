"""The 操作マニュアル's screenshots (issue 19 §4), taken from the demo data by a real browser.

Each picture the manual shows (``docs/manual/*.md`` → ``images/<name>.png``) is one entry of ``SHOTS``: the persona
who sees the page and how to reach it through the pages' own links, so the pictures follow the templates. The test
writes them to a temporary folder and fails when the manual refers to a picture ``SHOTS`` does not take, or when a
shot is no longer in the manual. ``make manual-images`` runs this test with ``PIAOPS_MANUAL_IMAGES=docs/manual/images``
to replace the committed files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from piaops.core.demo import DEMO_PASSWORD
from piaops.manual import render
from tests.browser_login import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]

VIEWPORT = {"width": 1200, "height": 800}
MAX_HEIGHT = 1400  # a long page is cut here: the manual shows its top, where the work starts


@dataclass(frozen=True)
class Shot:
    persona: str
    start: str  # the path the persona opens first
    # Then, in turn, the first (or, with a leading "-", the last) link of the page whose path matches each pattern;
    # "text|pattern" takes only the links in a table row that reads ``text`` (e.g. a checklist's state).
    follow: tuple[str, ...] = ()
    # Where the work of a long page is at its end (e.g. the reviewer's buttons under the answers): the picture ends
    # below this element instead of starting at the top.
    show: str = ""


CAMPAIGN = "^/selfcheck/campaigns/\\d+/$"
SHOTS: dict[str, Shot] = {
    "home.png": Shot("demo-admin", "/"),
    "dashboard.png": Shot("demo-admin", "/reports/"),
    "checklist.png": Shot("demo-admin", "/selfcheck/", (CAMPAIGN, "作成中|^/selfcheck/checklists/\\d+/$")),
    "checklist-returned.png": Shot("demo-admin", "/selfcheck/", (CAMPAIGN, "差戻し|^/selfcheck/checklists/\\d+/$")),
    "checklist-review.png": Shot(
        "demo-admin",
        "/selfcheck/",
        (CAMPAIGN, "提出済|^/selfcheck/checklists/\\d+/$"),
        show='main form:has(button[formaction*="accept"])',
    ),
    "findings.png": Shot("demo-admin", "/findings/"),
    "audits.png": Shot("demo-auditor", "/audits/", ("-^/audits/programmes/\\d+/$",)),
    "training.png": Shot("demo-admin", "/training/"),
    "assurance.png": Shot("demo-admin", "/assurance/"),
    "obligations-contractor.png": Shot("demo-contractor", "/assurance/obligations/"),
    "incident.png": Shot("demo-admin", "/incidents/", ("^/incidents/\\d+/$",)),
    "areas.png": Shot("demo-admin", "/areas/", ("^/areas/\\d+/$", "-^/areas/\\d+/review/\\d+-\\d+/$")),
    "assessment-diff.png": Shot("demo-admin", "/assessments/", ("^/assessments/\\d+/diff/$",)),
    "review.png": Shot("demo-admin", "/reviews/", ("^/reviews/\\d+/$",)),
    # A 全項目評価書's Section Ⅳ (the browser journeys import a new version of 地方税's report on the same server).
    "section4.png": Shot("demo-admin", "/reports/", ("全項目評価書|^/reports/assessments/\\d+/section4/$",)),
}


def referenced_images() -> set[str]:
    """Every picture the manual's chapters show."""
    return {name for slug in render.slugs() if (c := render.chapter(slug)) for name in c.images}


def _follow(page: Page, pattern: str) -> None:
    text, _, pattern = pattern.rpartition("|")
    last = pattern.startswith("-")
    regex = re.compile(pattern.removeprefix("-"))
    paths: list[str] = page.eval_on_selector_all(
        "main tr a[href]" if text else "main a[href]",
        "(els, text) => els.filter(a => a.closest('tr').textContent.includes(text)).map(a => a.pathname || '')"
        if text
        else "els => els.map(a => a.pathname || '')",
        text,
    )
    matching = [p for p in paths if regex.search(p)]
    assert matching, f"{page.url}: no link matches {pattern}"
    page.goto(matching[-1] if last else matching[0])


def save_png(page: Page, path: Path, show: str = "") -> None:
    """A screenshot cut to ``MAX_HEIGHT`` (from the top, or ending below ``show``) and stored with a 256-colour
    palette (a few tens of kB: committed)."""
    bottom = 0
    if show:
        box = page.locator(show).last.evaluate("el => el.getBoundingClientRect().bottom + window.scrollY")
        bottom = int(box) + 24
    page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as taken:
        picture = taken.convert("RGB")
    top = max(0, min(bottom, picture.height) - MAX_HEIGHT)
    picture = picture.crop((0, top, picture.width, min(picture.height, top + MAX_HEIGHT)))
    picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def take_all(browser: Browser, server_url: str, folder: Path) -> list[Path]:
    """Every shot of ``SHOTS`` into ``folder``, one browser context per persona."""
    folder.mkdir(parents=True, exist_ok=True)
    taken = []
    for persona in sorted({shot.persona for shot in SHOTS.values()}):
        context = browser.new_context(
            base_url=server_url,
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
            viewport=VIEWPORT,  # type: ignore[arg-type]
        )
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            log_in(page, persona, DEMO_PASSWORD)
            for name, shot in SHOTS.items():
                if shot.persona != persona:
                    continue
                page.goto(shot.start)
                for pattern in shot.follow:
                    _follow(page, pattern)
                assert "/login/" not in page.url, f"{name}: {persona} was sent to the log-in page"
                save_png(page, folder / name, shot.show)
                taken.append(folder / name)
        finally:
            context.close()
    return taken


def test_every_picture_of_the_manual_is_taken_from_the_demo(
    browser: Browser, server_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    wanted = os.environ.get("PIAOPS_MANUAL_IMAGES")
    folder = (request.config.rootpath / wanted) if wanted else tmp_path
    referenced = referenced_images()
    assert referenced - set(SHOTS) == set(), f"the manual shows pictures no shot takes: {referenced - set(SHOTS)}"
    assert set(SHOTS) - referenced == set(), f"shots the manual no longer shows: {set(SHOTS) - referenced}"
    taken = take_all(browser, server_url, folder)
    assert {p.name for p in taken} == referenced
    for path in taken:
        with Image.open(path) as picture:
            assert picture.width >= VIEWPORT["width"] and 400 <= picture.height <= MAX_HEIGHT, path.name


def test_the_help_link_opens_the_section_of_the_page(page: Page) -> None:
    """ヘルプ in the header of a page lands on that page's section of the manual, scrolled into view."""
    log_in(page, "demo-staff", DEMO_PASSWORD)
    page.goto("/selfcheck/")
    page.get_by_role("link", name="ヘルプ").click()
    page.wait_for_url("**/manual/selfcheck/#overview")
    section = page.locator("h2#overview")
    assert section.inner_text() == "流れ"
    assert section.evaluate("el => el.matches(':target')")
    box = section.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"]  # type: ignore[index]


def test_the_browser_s_own_strings_are_japanese(page: Page) -> None:
    """The screenshots show Chromium's own controls (the file input's button): they read Japanese, as on a
    clerk's PC, because the browser runs with LANGUAGE=ja and chromium-l10n (tests.chromium.ENV)."""
    if not Path("/usr/lib/chromium/locales/ja.pak").exists():
        reason = "chromium-l10n がありません（apt-get install chromium-l10n）"
        if os.environ.get("PIAOPS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PIAOPS_REQUIRE_BROWSER=1 ですが {reason}", pytrace=False)
        pytest.skip(reason)
    page.goto("/login/")
    message = page.evaluate(
        "() => { const i = document.createElement('input'); i.type = 'file'; i.required = true;"
        " return i.validationMessage; }"
    )
    assert re.search("[ぁ-んァ-ヶ]", message) and not re.search("[A-Za-z]", message), message
