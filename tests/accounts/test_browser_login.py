"""A real browser logs in as 番号制度総括管理者, enrols TOTP from the page, and meets no CSP violation on the way."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from tests.chromium import launch, require_chromium
from tests.live import copy_migrated, free_port

SETUP = """
from piaops.tenancy.models import Municipality, RoleGrant, User
m = Municipality.objects.create(name="札幌市", code="011002")
u = User.objects.create_user(username="admin_a", password="correct-horse-battery", municipality=m, is_staff=True)
RoleGrant.objects.create(municipality=m, user=u, role="admin")
"""

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    require_chromium()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIAOPS_", "DJANGO_", "DATABASE_URL"))}
    env |= {"PIAOPS_DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite3'}"}
    base = [sys.executable, "-c", "from piaops.cli import main; main()"]
    copy_migrated(tmp_path / "live.sqlite3")  # the migrate below has nothing left to do
    for args in (["migrate", "--no-input", "-v", "0"], ["shell", "-c", SETUP]):
        subprocess.run([*base, *args], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=300)
    port = free_port()
    proc = subprocess.Popen(
        [*base, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_admin_enrols_totp_in_a_real_browser_without_csp_violations(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    console: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            page.on("console", lambda m: console.append(m.text))
            page.goto(f"{server}/tenancy/")
            page.fill("#id_username", "admin_a")
            page.fill("#id_password", "correct-horse-battery")
            page.click("button[type=submit].primary")
            expect(page.locator("figure.qr svg")).to_have_count(1, timeout=30_000)
            assert "/accounts/otp/setup/" in page.url
            secret = page.inner_text("code.secret").replace(" ", "")
            page.fill("#id_code", pyotp.TOTP(secret).now())
            page.click("button[type=submit].primary")
            # The click returns once the POST's answer is committed, maybe before its list is parsed: wait for it.
            expect(page.locator("ul.recovery-codes li")).to_have_count(10, timeout=30_000)
            page.click("text=保管しました。続ける")
            expect(page).to_have_url(re.compile(r"/tenancy/$"), timeout=30_000)
            assert page.locator("h1").inner_text() != "二要素認証"
            for path in ["/", "/accounts/", "/tenancy/units/", "/django-admin/", "/django-admin/tenancy/user/"]:
                page.goto(f"{server}{path}")
                assert "/accounts/otp" not in page.url and "/login/" not in page.url, path
        finally:
            browser.close()
    assert [m for m in console if "Content Security Policy" in m] == []
