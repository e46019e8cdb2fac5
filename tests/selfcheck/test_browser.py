"""The answering page in a real browser (Debian's chromium through Playwright) against the real server."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chromium import launch, require_chromium
from tests.live import DATABASE_FILE, copy_migrated, free_port

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]


def _require_browser() -> None:
    if os.environ.get("PIAOPS_TEST_DB") == "postgres":
        pytest.skip("the live server runs on its own SQLite file: the PostgreSQL run would repeat the same test")
    require_chromium()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, int]]:
    _require_browser()
    env = {
        **os.environ,
        "PIAOPS_VAR_DIR": str(tmp_path),
        "PIAOPS_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "piaops.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),  # this checkout's code, whatever is installed
    }
    env.pop("DATABASE_URL", None)
    copy_migrated(tmp_path / DATABASE_FILE)  # the migrate below has nothing left to do
    piaops = shutil.which("piaops", path=str(Path(sys.executable).parent)) or "piaops"
    subprocess.run([piaops, "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True)
    setup = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("browser_setup.py"))],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    checklist_id = int(setup.stdout.strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(
        [piaops, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=ROOT,
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
        yield f"http://127.0.0.1:{port}", checklist_id
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_unit_head_answers_saves_a_draft_and_submits_in_the_browser(live: tuple[str, int]) -> None:
    from playwright.sync_api import sync_playwright

    base, checklist_id = live
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(locale="ja-JP")
        page.goto(f"{base}/login/")
        page.fill("#id_username", "head")
        page.fill("#id_password", "correct-horse-battery")
        with page.expect_navigation():
            page.get_by_role("button", name="ログイン").click()
        page.goto(f"{base}/selfcheck/checklists/{checklist_id}/")
        assert "二要素認証" in page.content()
        radios = page.locator("input[type=radio][value=yes]")
        for i in range(radios.count()):
            radios.nth(i).check()
        page.locator("input[type=radio][value=no]").first.check()
        page.get_by_label(re.compile("「提出」は取り消せません")).check()
        with page.expect_navigation():
            page.get_by_role("button", name="所属長として確認し提出する").click()
        assert "「いいえ」の場合は改善計画を入力してください" in page.content()
        assert page.locator("input[type=radio][value=no]").first.is_checked()  # what was typed is kept
        first_id = page.locator("input[type=radio][value=no]").first.get_attribute("name")
        assert first_id is not None
        item = first_id[1:]
        page.fill(f"#c{item}", "端末の一部が未対応")
        page.fill(f"#p{item}", "年度内に端末を更新する")
        page.fill(f"#d{item}", "2027-02-26")
        with page.expect_navigation():
            page.get_by_role("button", name="下書き保存").click()
        assert "下書きを保存しました" in page.content()
        page.get_by_label(re.compile("「提出」は取り消せません")).check()
        with page.expect_navigation():
            page.get_by_role("button", name="所属長として確認し提出する").click()
        assert "提出しました" in page.content()
        assert "提出済" in page.content()
        browser.close()
