"""Journey on the demo data (issue 14 §5, 「Signed means frozen」): the admin signs a server-room month, a door log
for that month is refused with the reason, the admin re-opens the month with a reason, the log goes in, and the
month is signed again; the page keeps who re-opened it, when and why."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from piaops.core.demo import DEMO_PASSWORD
from tests.browser_login import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]


def _month_three_ago(today: dt.date) -> dt.date:
    """Before the demo's two months of door logs (the earlier one signed, the later one open): no events yet."""
    month = today.replace(day=1)
    for _ in range(3):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def _log(month: dt.date) -> bytes:
    day = month + dt.timedelta(days=2)
    rows = ["日時,カード番号,入退", f"{day:%Y-%m-%d} 10:00:00,C10000,入室", f"{day:%Y-%m-%d} 10:40:00,C10000,退室"]
    return "\n".join(rows).encode("utf-8")


def test_a_signed_month_refuses_a_door_log_until_reopened_with_a_reason(
    page: Page, shoot: Callable[[Page, str], Path]
) -> None:
    month = _month_three_ago(dt.date.today())
    log_in(page, "demo-admin", DEMO_PASSWORD)
    page.goto("/areas/")
    page.get_by_role("link", name="本庁舎サーバー室").click()
    area_path = re.sub(r"^https?://[^/]+", "", page.url)
    review_path = f"{area_path}review/{month.year}-{month.month}/"
    import_path = f"{area_path}import/"

    # 1. Sign the month (no exceptions): the confirmation box is part of the form.
    page.goto(review_path)
    page.get_by_role("button", name="確認を終えて署名する").click()
    assert page.url.endswith(review_path) and not page.get_by_text("月次確認に署名しました").count()  # not ticked
    page.get_by_label(re.compile("「署名」は取り消せません")).check()
    page.get_by_role("button", name="確認を終えて署名する").click()
    assert page.get_by_text("月次確認に署名しました。").is_visible()
    assert page.get_by_text(re.compile("署名済（")).is_visible()
    shoot(page, "01-signed")

    # 2. A door log for that month is refused, with the reason and what to do.
    page.goto(import_path)
    page.get_by_label(re.compile("入退室ログ")).set_input_files(
        {"name": "log.csv", "mimeType": "text/csv", "buffer": _log(month)}
    )
    page.get_by_role("button", name="取り込む").click()
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert f"{month.year}年{month.month}月は月次確認に署名済み" in alert.inner_text()
    assert "何も取り込んでいません" in alert.inner_text()
    shoot(page, "02-refused")

    # 3. The admin re-opens the month with a reason.
    page.goto(review_path)
    page.get_by_role("button", name="理由を記録して再開する").click()  # no reason: the browser asks for one
    assert page.get_by_text(re.compile("署名済（")).is_visible()
    page.get_by_label("再開の理由").fill("入退室管理システムから欠落分のログを受領したため")
    page.get_by_role("button", name="理由を記録して再開する").click()
    assert page.get_by_text("月次確認を再開しました").is_visible()
    assert page.get_by_text("再開（再署名待ち）").is_visible()
    reopening = page.locator("tr", has_text="入退室管理システムから欠落分のログを受領したため")
    cells = [reopening.locator("td").nth(i).inner_text() for i in range(4)]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", cells[0]) and cells[1] == "再開"  # when, what
    assert cells[2] not in ("", "—")  # who
    shoot(page, "03-reopened")

    # 4. The same log now goes in.
    page.goto(import_path)
    page.get_by_label(re.compile("入退室ログ")).set_input_files(
        {"name": "log.csv", "mimeType": "text/csv", "buffer": _log(month)}
    )
    page.get_by_role("button", name="取り込む").click()
    # A clean log is imported by the worker: the job page shows the outcome when the job has run.
    from playwright.sync_api import expect

    expect(page.get_by_text("入退室ログ 2件を取り込みました。")).to_be_visible(timeout=60_000)

    # 5. Signed again; the history keeps the signature, the re-opening and the new signature.
    page.goto(review_path)
    page.get_by_label(re.compile("「署名」は取り消せません")).check()
    page.get_by_role("button", name="確認を終えて署名する").click()
    assert page.get_by_text("月次確認に署名しました。").is_visible()
    rows = page.locator("table", has_text="再開").locator("tbody tr")
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())] == ["署名", "再開", "署名"]
    shoot(page, "04-signed-again")
