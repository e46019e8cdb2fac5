"""Real-browser tests: Playwright driving Debian's chromium against the real server.

The server is ``piaops runserver --noreload`` in a subprocess, on a free loopback port and a SQLite file of its
own (migrated, with the demo data), started once per session. Without ``/usr/bin/chromium`` the tests skip with
the reason, unless ``PIAOPS_REQUIRE_BROWSER=1`` (CI), where they fail instead.

The browser is module-scoped on purpose: Playwright's sync API keeps an asyncio loop on the main thread while it
runs, and Django would refuse ORM calls in the ordinary tests that come after it in the same session.
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.chromium import launch, require_chromium
from tests.live import PIAOPS, free_port, piaops_env, prepared_var_dir

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real piaops server with the demo data (60 people) and its background worker, stopped at the end of
    the session."""
    require_chromium()
    # The server runs on a SQLite file of its own whichever pass this is; which pass runs a browser test is its
    # engine_independent mark's choice (tests/conftest.py).
    var_dir = prepared_var_dir(tmp_path_factory.mktemp("browser") / "var", people=60)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (var_dir / "server.log").open("w")
    process = subprocess.Popen(
        [*PIAOPS, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=piaops_env(var_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # The background worker beside the server, as `make run` has it: imports confirmed on a page run as jobs.
    worker = subprocess.Popen([*PIAOPS, "worker"], env=piaops_env(var_dir), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/login/", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"piaops runserver did not answer:\n{(var_dir / 'server.log').read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        for child in (process, worker):
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server_url: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server_url, locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def shoot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """``shoot(page, "03-preview")`` saves a full-page screenshot under test-artifacts/<test name>/."""
    folder = request.config.rootpath / "test-artifacts" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, step: str) -> Path:
        path = folder / f"{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
