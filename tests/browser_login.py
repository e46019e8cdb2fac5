"""Logging in through the real log-in page in a browser, second factor included.

番号制度総括管理者 and 監査人 must enrol TOTP at their first log-in and enter a code at every later one. This helper
does what the person would do with an authenticator app: it reads the secret shown at enrolment (kept per server
and user name for later log-ins) and types the current code. A code is accepted once, so a second log-in within
the same 30 seconds uses the next window's code, which the server accepts as clock drift.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pyotp

if TYPE_CHECKING:
    from playwright.sync_api import Page

_SECRETS: dict[tuple[str, str], str] = {}
_LAST_WINDOW: dict[tuple[str, str], int] = {}


def _code(key: tuple[str, str]) -> str:
    """A code for a window not used yet: the current one, or the next (accepted as drift), else wait."""
    while True:
        now = int(time.time()) // 30
        window = max(now, _LAST_WINDOW.get(key, -1) + 1)
        if window <= now + 1:
            break
        time.sleep(30 - time.time() % 30 + 0.5)
    _LAST_WINDOW[key] = window
    return pyotp.TOTP(_SECRETS[key]).at(window * 30)


def log_in(page: Page, username: str, password: str, *, base: str = "", next_path: str = "") -> None:
    """Log in as ``username`` and finish on ``next_path`` (or the home page), enrolling TOTP when asked."""
    key = (base, username)  # a new server enrols again, which replaces the secret
    page.goto(f"{base}/login/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    if "/accounts/otp/setup/" in page.url:
        _SECRETS[key] = page.inner_text("code.secret").replace(" ", "")
        page.fill("#id_code", _code(key))
        with page.expect_navigation():
            page.locator("main button[type=submit].primary").click()
        with page.expect_navigation():
            page.click("text=保管しました。続ける")
    elif "/accounts/otp/" in page.url:
        page.fill("#id_code", _code(key))
        with page.expect_navigation():
            page.locator("main button[type=submit].primary").click()
    assert "/login/" not in page.url and "/accounts/otp" not in page.url, page.url
