"""Directory log-in in a real browser: a real slapd, a real server run as ``make run`` runs it (DEBUG off, the key
under var/), chromium typing into the log-in page. Good password, wrong password, disabled entry, group → role."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.accounts.slapd import PASSWORD, running_directory
from tests.chromium import require_chromium
from tests.live import DATABASE_FILE, copy_migrated, free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]

# The roster of 札幌市: the directory's dir-head (職員番号 D-0001) is the 所属長 of 税政課 there.
SETUP = """
import datetime as dt
from piaops.tenancy import services as s
from piaops.tenancy.models import Municipality
a = Municipality.objects.create(name="札幌市", code="011002")
Municipality.objects.create(name="東京都", code="130001")
unit = s.unit_create(municipality=a, name="税政課", code="A210")
head = s.person_create(municipality=a, staff_number="D-0001", name="札幌 所属長", employment_type="regular")
s.assignment_create(person=head, unit=unit, start_date=dt.date(2020, 4, 1))
"""
WRONG = "正しいユーザー名とパスワードを入力してください"


@pytest.fixture(scope="module")
def directory_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    if os.environ.get("PIAOPS_TEST_DB") == "postgres":
        pytest.skip("ブラウザテストは SQLite の回で実行済みです（サーバーは専用の SQLite ファイルで動きます）")
    home = tmp_path_factory.mktemp("directory-login")
    with running_directory(home / "slapd") as directory:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DJANGO_", "DATABASE_URL"))}
        env |= {"PIAOPS_DEBUG": "0", "PIAOPS_SSL_REDIRECT": "0", "PIAOPS_SECURE_COOKIES": "0", **directory.env()}
        run = [sys.executable, "-m", "piaops.cli"]
        subprocess.run([sys.executable, "-m", "piaops.secretkey"], env=env, cwd=home, check=True, timeout=60)
        copy_migrated(home / "var" / DATABASE_FILE)  # the migrate below has nothing left to do
        for args in (["migrate", "--no-input", "-v", "0"], ["shell", "-c", SETUP]):
            subprocess.run([*run, *args], env=env, cwd=home, check=True, capture_output=True, timeout=300)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = (home / "server.log").open("w")
        server = subprocess.Popen(
            [*run, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env, cwd=home, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/login/", timeout=2):
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if server.poll() is not None or time.monotonic() > deadline:
                        log.flush()
                        pytest.fail(f"piaops runserver did not answer:\n{(home / 'server.log').read_text()}")
                    time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)
            log.close()


@pytest.fixture
def login_page(browser: Browser, directory_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=directory_server, locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto("/login/")
        yield page
    finally:
        context.close()


def _log_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()


def test_a_directory_user_logs_in_and_gets_the_role_of_the_group(
    login_page: Page, shoot: Callable[[Page, str], Path]
) -> None:
    _log_in(login_page, "dir-head", PASSWORD)
    shoot(login_page, "01-home")
    assert login_page.url.endswith("/")
    roles = login_page.locator("main").inner_text()
    assert "所属長（税政課）" in roles  # the group piaops-unit-head, over the unit of the roster person
    assert "札幌 所属長" in login_page.locator("header").inner_text()  # the name from the directory


def test_a_wrong_password_is_refused(login_page: Page) -> None:
    _log_in(login_page, "dir-head", "wrong-password")
    assert login_page.url.endswith("/login/")
    assert WRONG in login_page.get_by_role("alert").inner_text()


def test_a_disabled_directory_entry_is_refused(login_page: Page) -> None:
    _log_in(login_page, "dir-disabled", PASSWORD)
    assert login_page.url.endswith("/login/")
    assert WRONG in login_page.get_by_role("alert").inner_text()


def test_a_directory_admin_is_sent_to_the_second_factor(login_page: Page) -> None:
    _log_in(login_page, "dir-admin", PASSWORD)
    assert "/accounts/otp/setup/" in login_page.url  # the group piaops-admin: TOTP is mandatory
    login_page.goto("/")
    assert "/accounts/otp/setup/" in login_page.url


def test_another_municipality_s_user_gets_that_municipality(login_page: Page) -> None:
    _log_in(login_page, "tokyo-viewer", PASSWORD)
    header = login_page.locator("header").inner_text()
    assert "東京都" in header and "閲覧者" in login_page.locator("main").inner_text()
