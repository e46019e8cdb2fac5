"""The training pages in a real browser (Debian's chromium via Playwright) against a real server on its own
SQLite file, with the demo history."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_login import log_in
from tests.chromium import launch, require_chromium
from tests.live import copy_migrated, free_port

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    var = tmp_path_factory.mktemp("training-browser")
    piaops = str(Path(sys.executable).with_name("piaops"))
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PIAOPS_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
        "PIAOPS_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "piaops.settings",
        "PYTHONPATH": str(root),
    }
    env.pop("PIAOPS_TEST_DB", None)
    copy_migrated(var / "db.sqlite3")  # the migrate below has nothing left to do
    subprocess.run([piaops, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=root)
    subprocess.run(
        [piaops, "shell", "-c", "from tests.training.browser_world import build; build()"],
        env=env,
        check=True,
        cwd=root,
    )
    port = free_port()
    proc = subprocess.Popen(
        [piaops, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(var, ignore_errors=True)


def test_the_admin_follows_the_overview_to_a_roster_and_a_persons_history(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page()
        log_in(page, "admin", "browser-pass-2026", base=server, next_path="/training/")
        page.wait_for_url(f"{server}/training/")
        assert page.locator("h1").inner_text() == "教育・啓発 受講状況"
        body = page.locator("main").inner_text()
        assert "初任時研修（会計年度任用職員等を含む）" in body and "会計年度任用職員" in body
        page.click("text=税政課")
        assert "税政課（310100） 受講状況" in page.locator("h1").inner_text()
        assert page.locator("tbody tr").count() == 40
        with page.expect_download() as download:
            page.click("text=Excel（XLSX）で出力")
        assert download.value.suggested_filename.endswith(".xlsx")
        page.click("text=職員00")
        assert "受講履歴" in page.locator("h1").inner_text()
        page.click("text=Ⅳ-2 評価")
        assert "提案：" in page.locator("main").inner_text()
        browser.close()
