"""Debian's chromium as every browser test launches it (Playwright drives it).

Japanese as a clerk's PC has it: Chromium on Linux takes the language of its own strings (the file input's
「ファイルを選択」, validation messages) from LANGUAGE, not from --lang or the context's locale; Debian ships them in
chromium-l10n. Without ``/usr/bin/chromium`` a browser test skips with the reason, unless
``PIAOPS_REQUIRE_BROWSER=1`` (CI), where it fails instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=ja-JP",
]
ENV: dict[str, str | float | bool] = {**os.environ, "LANGUAGE": "ja"}


def require_chromium() -> None:
    """Skip (or, under ``PIAOPS_REQUIRE_BROWSER=1``, fail) the calling test when chromium is not installed."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} がありません（apt-get install chromium chromium-l10n fonts-noto-cjk）"
    if os.environ.get("PIAOPS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PIAOPS_REQUIRE_BROWSER=1 ですが {reason}", pytrace=False)
    pytest.skip(reason)


def launch(playwright: Playwright) -> Browser:
    """A headless chromium in Japanese; the caller closes it."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True, env=ENV)
