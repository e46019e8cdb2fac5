"""JIS X 8341-3:2016 AA (issue 19 §3): every page every demo persona can reach has no axe-core violation of the
WCAG 2.0/2.1 level A and AA rules.

axe-core is the vendored ``vendor/axe.min.js`` (``scripts/refresh-vendored-assets.sh`` pins the version), loaded
into each page from the local file as an init script; nothing is fetched from outside. Each persona logs in through
the real log-in page and walks its site breadth-first from the home page, following every same-origin link in the
header and the main content; a URL path whose numbers are replaced by ``<id>`` is one page shape, checked once per
persona (the same template with another object adds time, not coverage). Downloads (CSV, XLSX, PDF, ZIP, calendar
feeds) and non-HTML answers are skipped: axe checks HTML. The log-in page is checked first, before anyone logs in.

``KNOWN`` lists violations not fixed yet, each with its reason. It may only shrink: an entry that no longer matches
any violation fails the test, so a fix is followed by deleting its entry.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from piaops.core.demo import DEMO_PASSWORD
from tests.browser_login import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# The longest engine-independent test runs in the PostgreSQL pass, which is otherwise the shorter of the two.
pytestmark = [pytest.mark.browser, pytest.mark.engine_independent(run_in="postgres")]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PERSONAS = ["demo-admin", "demo-auditor", "demo-head", "demo-staff", "demo-viewer", "demo-contractor"]
# Never followed: they end the session, leave the application, or answer with a file instead of a page.
SKIP = re.compile(
    r"^/(logout|admin|static|media|api/v\d|i18n)/|\.(csv|xlsx|pdf|zip|ics|json|xml|png)$|/(export|download|feed)[^/]*/?$"
)
# Pages no link leads to (typed in, or reached from a form); the walk starts with them too.
UNLINKED = [
    "api:index",
    "accounts:recovery_codes",
    "accounts:otp_remove",
    "audits:programme_new",
    "selfcheck:template_create",
]
# Pages only a form leads to (import confirmations, a job's progress) are checked by test_accessibility_forms.py.
MAX_SHAPES = 150  # a runaway crawl fails instead of silently taking the whole test budget

# (regex over the page shape, axe rule id) → why it is still there. Must only shrink.
KNOWN: dict[tuple[str, str], str] = {}


def shape(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/<id>", path)


def _links(page: Page) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "header a[href], main a[href]",
        "els => els.filter(a => !a.hasAttribute('download') && a.origin === location.origin).map(a => a.pathname)",
    )
    return hrefs


def _violations(page: Page) -> list[dict[str, Any]]:
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        RULE_TAGS,
    )
    return list(result["violations"])


def _broken_answers(page: Page) -> list[str]:
    """The 自己点検票's answers (「はい」「いいえ」「該当なし」, a choice or the answer given) each on one line."""
    broken: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('#answers > table > tbody > tr > td:nth-child(3)')].flatMap(td => {
            const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
            const out = [];
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                const text = n.textContent.trim();
                if (!text || n.parentElement.closest('.visually-hidden')) continue;
                const range = document.createRange();
                range.selectNodeContents(n);
                const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
                if (lines.size > 1) out.push(text);
            }
            return out;
        })"""
    )
    return [f"回答「{text}」が行の途中で折り返されています" for text in broken]


def _clipped_chart_labels(page: Page) -> list[str]:
    """Chart labels that do not fit inside their SVG (issue 19 §2: charts never clip their labels)."""
    clipped: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart text')].filter(t => {
            const box = t.getBBox(), view = t.ownerSVGElement.viewBox.baseVal;
            return box.x < 0 || box.x + box.width > view.width + 0.5;
        }).map(t => t.textContent)"""
    )
    return clipped


def _walk(page: Page, persona: str, used: set[tuple[str, str]], *, start: str = "/") -> tuple[list[str], int]:
    """Check every page shape ``persona`` reaches; the problems found and the number of pages checked."""
    problems: list[str] = []
    seen: set[str] = set()
    queue = deque([start])
    if start == "/":  # the unlinked pages this persona may open
        queue += [url for url in map(reverse, UNLINKED) if page.request.get(url, max_redirects=0).status == 200]
    checked = 0
    while queue:
        path = queue.popleft()
        if shape(path) in seen or SKIP.search(path):
            continue
        seen.add(shape(path))
        assert len(seen) <= MAX_SHAPES, f"{persona}: more than {MAX_SHAPES} page shapes; is the crawl looping?"
        try:
            response = page.goto(path)
        except PlaywrightError as error:
            # A file the crawl could not tell from its URL, or an error status without a page (e.g. a page only for
            # a role the persona lacks, or one for POST only): nothing for axe to check.
            if "Download is starting" in str(error) or "ERR_HTTP_RESPONSE_CODE_FAILURE" in str(error):
                page.goto("about:blank")  # let chromium's own error page finish before the next navigation
                continue
            raise
        if response is None or not response.ok or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if "/login/" in page.url and persona != "anonymous":
            problems.append(f"{persona} {path}: sent to the log-in page")
            continue
        checked += 1
        if re.search(r"/checklists/<id>/$", shape(path)):
            problems += [f"{persona} {path}: {p}" for p in _broken_answers(page)]
        problems += [f"{persona} {path}: グラフの文字「{t}」がはみ出しています" for t in _clipped_chart_labels(page)]
        for violation in _violations(page):
            known = [key for key in KNOWN if key[1] == violation["id"] and re.search(key[0], shape(path))]
            if known:
                used.update(known)
                continue
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            count = len(violation["nodes"])
            problems.append(f"{persona} {path}: {violation['id']} ({violation['help']}) × {count}: {targets}")
        queue.extend(link for link in _links(page) if shape(link) not in seen)
    return problems, checked


def test_every_page_of_every_persona_passes_axe_wcag21_aa(browser: Browser, server_url: str) -> None:
    used: set[tuple[str, str]] = set()
    problems: list[str] = []
    total = 0
    for persona in ["anonymous", *PERSONAS]:
        context = browser.new_context(base_url=server_url, locale="ja-JP", timezone_id="Asia/Tokyo")
        context.set_default_timeout(15_000)
        # An init script runs before the page's own, outside its Content-Security-Policy (which allows no inline
        # script and so no injected tag), and the policy stays in force for the page itself.
        context.add_init_script(path=str(AXE))
        try:
            page = context.new_page()
            if persona == "anonymous":  # the log-in page (and what it links to) before anyone logs in
                found, checked = _walk(page, persona, used, start="/login/")
            else:
                log_in(page, persona, DEMO_PASSWORD)
                found, checked = _walk(page, persona, used)
        finally:
            context.close()
        assert checked >= (1 if persona == "anonymous" else 3), f"{persona}: only {checked} pages; the crawl is broken"
        problems += found
        total += checked
    stale = [f"{key}: {reason}" for key, reason in KNOWN.items() if key not in used]
    print(f"axe: {total} pages checked")
    assert not problems, f"{len(problems)} axe violations on {total} pages:\n" + "\n".join(problems)
    assert not stale, "KNOWN entries that no longer match (delete them):\n" + "\n".join(stale)
