"""Logging in through the real log-in page in a browser, second factor included.

番号制度総括管理者 and 監査人 must enrol TOTP at their first log-in and enter a code at every later one. This helper
does what the person would do with an authenticator app: it reads the secret shown at enrolment (kept per server
and user name for later log-ins) and types the current code. A code is accepted once, so a second log-in within
the same 30 seconds uses the next window's code, which the server accepts as clock drift; a third would have to wait
for the next window (up to 30 seconds).

So a person who has logged in before on the same server comes back to the session they left open (its cookies put
back into the browser), as someone with the system open in another window would; the journeys switch between people
many times. If that session has ended (logged out, timed out), they log in again through the page. The log-in page,
the enrolment and the code entry themselves are covered by the first log-in of each person and by
``tests/accounts/test_browser_login.py``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pyotp

if TYPE_CHECKING:
    from playwright.sync_api import Page

_SECRETS: dict[tuple[str, str], str] = {}
_LAST_WINDOW: dict[tuple[str, str], int] = {}
_SESSIONS: dict[tuple[str, str], list[Any]] = {}


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
    """Log in as ``username`` and finish on ``next_path`` (or the home page), enrolling TOTP when asked, or back
    in the session they left open on this server (the browser then holds only that session's cookies)."""
    key = (base, username)  # a new server enrols again, which replaces the secret
    if key in _SESSIONS and _resume(page, key, base, next_path):
        return
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
    _SESSIONS[key] = page.context.cookies()


def _resume(page: Page, key: tuple[str, str], base: str, next_path: str) -> bool:
    """Back to ``key``'s open session; False (and no cookies left) when the server has ended it."""
    page.context.clear_cookies()
    page.context.add_cookies(_SESSIONS[key])  # type: ignore[arg-type]
    page.goto(f"{base}{next_path or '/'}")
    if "/login/" not in page.url and "/accounts/otp" not in page.url:
        return True
    del _SESSIONS[key]
    page.context.clear_cookies()
    return False
