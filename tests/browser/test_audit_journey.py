"""Journey on the demo data: the auditor finishes an audit in progress, the finding is planned and completed,
the auditor verifies it and submits the follow-up report, and the governance division receives it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from piaops.core.demo import DEMO_PASSWORD
from piaops.lib.fiscal import fiscal_year, wareki_fiscal_year
from tests.browser_login import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]
FY = fiscal_year(dt.date.today())  # the demo data is built for the 年度 of the day the server starts


def _log_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username, DEMO_PASSWORD)


def test_an_audit_runs_from_work_to_a_received_follow_up_report(page: Page, shoot: Callable[[Page, str], Path]) -> None:
    _log_in(page, "demo-auditor")
    page.goto("/audits/")
    page.get_by_role("link", name=re.compile(f"{wareki_fiscal_year(FY)} 特定個人情報")).click()
    assert page.get_by_text("網羅性: 個人番号利用事務").is_visible()
    shoot(page, "01-programme")
    row = page.locator("tr", has_text="実施中").first
    row.get_by_role("link").first.click()
    audit_url = page.url
    shoot(page, "02-audit-in-progress")
    # Record every item: the first as a minor non-conformity, the rest as conforming.
    first = True
    while page.locator("select[id^=result-]").count():
        selects = page.locator("select[id^=result-]")
        pending = [i for i in range(selects.count()) if selects.nth(i).input_value() == ""]
        if not pending:
            break
        form = selects.nth(pending[0]).locator("xpath=ancestor::form")
        form.locator("select").select_option(label="軽微な不適合" if first else "適合")
        if first:
            form.locator("textarea[name=notes]").fill("異動時のアクセス権限の見直し記録がない。")
        form.get_by_role("button", name="記録").click()
        page.wait_for_url(audit_url)
        first = False
    page.get_by_label("総括").fill("概ね適正。権限管理に改善を要する。")
    page.get_by_label(re.compile("「監査を完了」は取り消せません")).check()
    page.get_by_role("button", name=re.compile("監査を完了")).click()
    assert page.get_by_text("監査を完了しました（指摘事項 1 件）").is_visible()
    shoot(page, "03-audit-completed")
    page.locator("a", has_text="軽微な不適合").first.click()
    finding_url = page.url

    _log_in(page, "demo-admin")  # the 所属長's right to propose is also the admin's
    page.goto(finding_url)
    page.get_by_label("改善計画", exact=True).fill("異動時に権限を見直し、記録を残す。")
    page.get_by_label("担当者").fill("庶務係長")
    page.get_by_label("完了予定日（開庁日）").fill("2027-03-01")
    page.get_by_role("button", name="保存").click()
    page.get_by_label("完了日").fill("2027-02-26")
    page.get_by_label("完了報告").fill("見直し手順を定め、運用を開始した。")
    page.get_by_role("button", name="完了を報告").click()
    shoot(page, "04-followup-completed")

    _log_in(page, "demo-auditor")
    page.goto(finding_url)
    page.get_by_label(re.compile("「完了を確認（受理）」は取り消せません")).check()
    page.get_by_role("button", name="完了を確認").click()
    assert page.get_by_text("確認済（完了）").first.is_visible()
    page.goto(f"/audits/reports/{FY}/")
    page.get_by_label("種類").select_option(label="フォローアップ結果報告書")
    page.get_by_label(re.compile("「提出」は取り消せません")).check()
    page.get_by_role("button", name=re.compile("提出")).click()
    # Frozen by the background worker (the PDF takes seconds): the job's page shows the outcome.
    from playwright.sync_api import expect

    expect(page.get_by_text("フォローアップ結果報告書を提出しました。")).to_be_visible(timeout=60_000)

    _log_in(page, "demo-admin")
    page.goto(f"/audits/reports/{FY}/")
    page.get_by_label(re.compile("「受理」は取り消せません")).first.check()
    page.get_by_role("button", name="受理").first.click()
    assert page.locator("td", has_text="受理").first.is_visible()
    shoot(page, "05-report-received")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").last.click()
    assert download.value.suggested_filename.endswith(".pdf")
