"""Journeys across the apps, driven only through the pages, in a ja-JP browser, forms filled from the keyboard.

1. The assessment report → a self-inspection campaign → a 所属長 answers いいえ with a plan → returned, resubmitted,
   accepted → the finding in the audit programme → its follow-up verified by the auditor → the audit report PDF.
2. Training records imported from a CSV file → the unit's roster shows the new status.
3. An incident recorded and routed to the ASP, with the PPC deadlines.

Every main page is saved as a screenshot (``test-artifacts/<test>/``) and checked for fields without a visible
label; the forms are filled with Tab and typing (``tests.browser.keyboard``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from piaops.core.demo import DEMO_PASSWORD
from piaops.lib.fiscal import add_office_days, fiscal_year, next_office_day, wareki_fiscal_year
from tests.browser.keyboard import assert_every_field_labelled, choose, press_submit, tab_to, type_into
from tests.browser_login import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.engine_independent]

REPORT = Path(__file__).resolve().parents[1] / "assessments" / "data" / "sapporo_section_iv.md"
TODAY = dt.date.today()  # the server's day too: it runs on this machine
FY = fiscal_year(TODAY)


def _log_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username, DEMO_PASSWORD)


def _start(page: Page) -> None:
    """Put the keyboard focus at the top of the page's content, as a user tabbing from the start would."""
    page.locator("main h1").first.evaluate("(el) => { el.tabIndex = -1; el.focus(); }")


def _look(page: Page, shoot: Callable[[Page, str], Path], step: str) -> None:
    """A main page: saved as a screenshot, and every visible field in it has a visible label."""
    shoot(page, step)
    assert_every_field_labelled(page)


def test_report_to_checklist_to_audit_report(page: Page, shoot: Callable[[Page, str], Path]) -> None:
    deadline = add_office_days(TODAY, 10)
    target = add_office_days(TODAY, 40)
    plan = "毎年度10月に自己点検票で確認し、結果を課内で回覧する。"
    campaign_title = f"{wareki_fiscal_year(FY)} 地方税 追加自己点検（画面操作）"

    # --- the admin imports the reference report (as a new version of the tax work's report)
    _log_in(page, "demo-admin")
    page.goto("/assessments/import/")
    _look(page, shoot, "01-report-upload")
    page.get_by_label("評価書ファイル").set_input_files(str(REPORT))
    _start(page)
    type_into(page, page.get_by_label("地方税賦課徴収事務"), True)
    press_submit(page, page.get_by_role("button", name="読み取り結果を確認"))
    expect(page.get_by_role("heading", name=re.compile("取込内容の確認"))).to_be_visible()
    expect(page.get_by_text("Ⅳ-1-① 自己点検").first).to_be_visible()
    _look(page, shoot, "02-report-preview")
    page.get_by_role("button", name="この内容で保存する").click()
    expect(page.get_by_text(re.compile(r"評価書を第\d+版として取り込みました"))).to_be_visible()
    report_heading = page.locator("main h1").inner_text()  # 地方税賦課徴収事務（第N版）
    _look(page, shoot, "03-report")

    # --- a checklist template from the report's commitments, then a campaign using it
    page.goto("/selfcheck/")
    _start(page)
    type_into(page, page.get_by_label("自己点検票の名称"), "地方税 自己点検票（画面操作）")
    type_into(page, page.get_by_label("評価書（約束を点検項目にする）"), report_heading)
    type_into(page, page.get_by_label("一般的な安全管理措置の項目を含める"), False)
    _look(page, shoot, "04-selfcheck-index")
    press_submit(page, page.get_by_role("button", name="作成", exact=True))
    expect(page.get_by_text(re.compile("自己点検票「地方税 自己点検票（画面操作）.*」を作成しました"))).to_be_visible()
    template_name = page.locator("main h1").inner_text().strip()
    _look(page, shoot, "05-template")

    page.goto("/selfcheck/campaigns/new/")
    _start(page)
    type_into(page, page.get_by_label("名称"), campaign_title)
    type_into(page, page.get_by_label(re.compile("^自己点検票（複数選べます")), template_name)
    type_into(page, page.get_by_label("提出期限（開庁日）"), deadline.isoformat())
    _look(page, shoot, "06-campaign-form")
    press_submit(page, page.get_by_role("button", name="作成"))
    expect(page.get_by_text("自己点検を作成しました")).to_be_visible()
    campaign_url = page.url
    _look(page, shoot, "07-campaign-draft")
    page.get_by_role("button", name=re.compile("開始する")).click()
    expect(page.get_by_text(re.compile(r"自己点検を開始しました（\d+所属）"))).to_be_visible()
    expect(page.locator("tr", has_text="税政課").first).to_be_visible()

    # --- the 所属長 of 税政課 answers the first item いいえ with a plan, the others はい, and submits
    _log_in(page, "demo-head")
    page.goto("/selfcheck/")
    page.locator("tr", has_text=campaign_title).get_by_role("link").first.click()
    checklist_url = page.url
    expect(page.get_by_role("heading", name=re.compile(r"自己点検票\s*税政課"))).to_be_visible()
    _look(page, shoot, "08-checklist")
    rows = page.locator("#answers tbody tr")
    first_item = rows.first.locator("td").nth(1).inner_text().splitlines()[0]
    _start(page)
    for i in range(rows.count()):
        row = rows.nth(i)
        choose(page, row.locator("fieldset"), "いいえ" if i == 0 else "はい")
        if i == 0:
            type_into(page, row.get_by_label(re.compile("^コメント")), "今年度は自己点検票による確認をしていない。")
            type_into(page, row.get_by_label(re.compile("^改善計画")), plan)
            type_into(page, row.get_by_label("改善予定日"), target.isoformat())
    type_into(page, page.get_by_label(re.compile("「提出」は取り消せません")), True)
    press_submit(page, page.get_by_role("button", name="所属長として確認し提出する"))
    expect(page.get_by_text("提出しました。")).to_be_visible()
    expect(page.get_by_text("状態: 提出済")).to_be_visible()
    _look(page, shoot, "09-checklist-submitted")

    # --- the admin returns it with a comment on the item
    _log_in(page, "demo-admin")
    page.goto(campaign_url)
    page.locator("tr", has_text="税政課").filter(has_text="提出済").get_by_role("link").first.click()
    assert page.url == checklist_url
    _look(page, shoot, "10-review")
    _start(page)
    type_into(page, page.get_by_label("項目1へのコメント"), "中間確認の時期も書いてください。")
    press_submit(page, page.get_by_role("button", name="差し戻す"))
    expect(page.get_by_text("差し戻しました。")).to_be_visible()

    # --- the unit sees the comment, adds to its plan and submits again
    _log_in(page, "demo-head")
    page.goto(checklist_url)
    expect(page.get_by_text("差戻しコメント: 中間確認の時期も書いてください。")).to_be_visible()
    _look(page, shoot, "11-returned")
    first_row = page.locator("#answers tbody tr").first
    _start(page)
    type_into(page, first_row.get_by_label(re.compile("^改善計画")), plan + "12月に中間確認を行う。")
    type_into(page, page.get_by_label(re.compile("「提出」は取り消せません")), True)
    press_submit(page, page.get_by_role("button", name="所属長として確認し提出する"))
    expect(page.get_by_text("提出しました。")).to_be_visible()

    # --- the admin accepts: the いいえ becomes a finding with the unit's plan
    _log_in(page, "demo-admin")
    page.goto(checklist_url)
    page.get_by_label(re.compile("「確認済み（受理）」は取り消せません")).check()
    page.get_by_role("button", name="確認済みにする").click()
    expect(page.get_by_text("確認済みにしました。")).to_be_visible()
    expect(page.get_by_text("状態: 確認済")).to_be_visible()
    _look(page, shoot, "12-accepted")
    page.goto(campaign_url)
    page.get_by_role("link", name="集計結果").click()
    _look(page, shoot, "13-results")
    finding_link = page.locator("tr", has_text="税政課").get_by_role("link", name=first_item[:20])
    finding_path = finding_link.get_attribute("href")
    assert finding_path and finding_path.startswith("/findings/")

    # --- the unit reports the improvement as completed
    _log_in(page, "demo-head")
    page.goto(finding_path)
    expect(page.locator("dd", has_text="12月に中間確認を行う。")).to_be_visible()
    _start(page)
    type_into(page, page.get_by_label("完了日"), TODAY.isoformat())
    type_into(page, page.get_by_label("完了報告"), "10月に点検票で確認し、課内で回覧した。")
    press_submit(page, page.get_by_role("button", name="完了を報告"))
    expect(page.get_by_text("完了報告済").first).to_be_visible()
    _look(page, shoot, "14-followup-completed")

    # --- the auditor finds it in the year's audit programme and verifies the follow-up
    _log_in(page, "demo-auditor")
    page.goto("/audits/")
    page.get_by_role("link", name=re.compile(f"{wareki_fiscal_year(FY)} 特定個人情報")).click()
    programme_url = page.url
    row = page.locator("#findings tr", has=page.locator(f"a[href='{finding_path}']"))
    cells = ["税政課（310100）", "自己点検", re.compile(".+"), re.compile(".+"), "完了報告済"]
    expect(row.locator("td")).to_have_text(cells)
    _look(page, shoot, "15-audit-programme")
    row.get_by_role("link").click()
    _start(page)
    type_into(page, page.get_by_label(re.compile("^コメント（差し戻す場合は必須）")), "回覧記録で確認した。")
    type_into(page, page.get_by_label(re.compile("「完了を確認（受理）」は取り消せません")), True)
    press_submit(page, page.get_by_role("button", name="完了を確認"))
    expect(page.get_by_text("確認済（完了）").first).to_be_visible()
    _look(page, shoot, "16-followup-verified")
    page.goto(programme_url)
    expect(row.locator("td").nth(4)).to_have_text("確認済（完了）")

    # --- the admin downloads the year's audit report (PDF) and it reads as one
    _log_in(page, "demo-admin")
    page.goto(f"/audits/reports/{FY}/")
    _look(page, shoot, "17-audit-reports")
    # The PDF is made by a background job: its page shows the progress, then the download.
    page.locator("li", has_text="監査結果報告書").get_by_role("button", name=re.compile("PDF を作成")).click()
    expect(page.get_by_text("報告書（下書き）を作成しました。")).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("結果をダウンロード")).click()
    pdf = Path(download.value.path())
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("監査結果報告書", wareki_fiscal_year(FY), "税政課"):
        assert expected in text, f"{expected} がPDFにありません"


def test_training_records_imported_from_csv_show_on_the_roster(
    page: Page, shoot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    _log_in(page, "demo-admin")
    page.goto("/training/courses/")
    course_row = page.locator("tr", has_text="情報セキュリティ年次研修")
    course_code = course_row.locator("td").first.inner_text().strip()
    _look(page, shoot, "01-courses")

    # The first unit (税政課 first) whose roster has someone without this year's annual training, as an admin
    # looking for the people an e-learning export should cover would find it.
    page.goto("/training/")
    links = page.locator("main a[href^='/training/units/']")
    names = [n.strip() for n in links.all_inner_texts()]
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    units = sorted(zip(names, hrefs, strict=True), key=lambda u: u[0] != "税政課")
    not_done: list[tuple[str, str]] = []
    for _name, href in dict.fromkeys(units):
        page.goto(href)
        headers = [h.strip() for h in page.locator("main table thead th").all_inner_texts()]
        column = next((i for i, h in enumerate(headers) if h.startswith("情報セキュリティ年次研修")), None)
        if column is None:
            continue
        people = page.locator("main table tbody tr")
        not_done = [
            (people.nth(i).locator("td").first.inner_text().strip(), people.nth(i).locator("td").nth(1).inner_text())
            for i in range(people.count())
            if not people.nth(i).locator("td").nth(column).inner_text().startswith(("受講済", "対象外"))
        ]
        if not_done:
            break
    assert not_done and column is not None, "年次研修が未了の人が名簿にいません（デモデータ）"
    roster_url = page.url
    _look(page, shoot, "02-roster-before")

    taken_on = TODAY - dt.timedelta(days=1)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["職員番号", "研修コード", "受講日", "結果", "得点"])
    for staff_number, _name in not_done:
        writer.writerow([staff_number, course_code, taken_on.strftime("%Y/%m/%d"), "合格", "88"])
    upload = tmp_path / "elearning_export.csv"
    upload.write_bytes(buffer.getvalue().encode("cp932"))  # what the e-learning system exports

    page.goto("/training/records/import/")
    page.get_by_label(re.compile("^ファイル")).set_input_files(str(upload))
    _look(page, shoot, "03-import")
    _start(page)
    tab_to(page, page.get_by_label(re.compile("^検査のみ")))  # a dry run first (ticked by default)
    press_submit(page, page.get_by_role("button", name="実行"))
    expect(page.get_by_text(f"{len(not_done)} 行を検査し、誤りはありませんでした。")).to_be_visible()
    _look(page, shoot, "04-dry-run")
    page.get_by_label(re.compile("^ファイル")).set_input_files(str(upload))
    _start(page)
    type_into(page, page.get_by_label(re.compile("^検査のみ")), False)
    press_submit(page, page.get_by_role("button", name="実行"))
    # Checked at once, imported by the background worker: the job's page shows the outcome.
    expect(page.get_by_text(f"{len(not_done)} 件の受講記録を登録しました。")).to_be_visible(timeout=60_000)
    _look(page, shoot, "05-imported")

    page.goto(roster_url)
    for staff_number, name in not_done:
        cell = page.locator("main table tbody tr", has_text=staff_number).locator("td").nth(column)
        assert cell.inner_text().startswith("受講済"), f"{name}: {cell.inner_text()}"
        assert taken_on.isoformat() in cell.inner_text()
    _look(page, shoot, "06-roster-after")


def test_an_incident_is_routed_to_the_asp_with_ppc_deadlines(page: Page, shoot: Callable[[Page, str], Path]) -> None:
    detected = dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(14, 5))
    occurred = detected - dt.timedelta(days=1, hours=4)
    _log_in(page, "demo-admin")
    page.goto("/incidents/new/")
    _look(page, shoot, "01-incident-form")
    _start(page)
    type_into(page, page.get_by_label("件名"), "税務システム帳票の誤同封")
    type_into(page, page.get_by_label("内容"), "ASPの帳票出力設定の誤りにより、別人の通知書が同封された。")
    type_into(page, page.get_by_label("発生日時"), occurred.strftime("%Y-%m-%dT%H:%M"))
    type_into(page, page.get_by_label("発覚日時（認知した時点）"), detected.strftime("%Y-%m-%dT%H:%M"))
    type_into(page, page.get_by_label("特定個人情報の漏えい等のおそれ"), True)
    type_into(page, page.get_by_label("漏えい", exact=True), True)
    type_into(page, page.get_by_label(re.compile("^情報提供ネットワークシステム等")), True)  # 規則第2条第1号
    type_into(page, page.get_by_label(re.compile("^本人の数")), "2")
    type_into(page, page.get_by_label("報告した組織"), "税政課（310100）")
    type_into(page, page.get_by_label("地方税賦課徴収事務"), True)
    press_submit(page, page.get_by_role("button", name="保存"))
    expect(page.get_by_text("事故を記録しました。")).to_be_visible()
    incident_url = page.url

    ppc = page.locator("main table", has_text="速報")
    prompt = ppc.locator("tr", has_text="速報").locator("td").nth(1).inner_text()
    final = ppc.locator("tr", has_text="確報").locator("td").nth(1).inner_text()
    prompt_day = dt.date.fromisoformat(prompt[:10])
    final_day = dt.date.fromisoformat(final[:10])
    # 速報 within about 3–5 days; 確報 on day 30 counting the day of knowing as day 1, or the next 開庁日.
    assert detected.date() < prompt_day <= detected.date() + dt.timedelta(days=5)
    assert final_day == next_office_day(detected.date() + dt.timedelta(days=29))
    assert "報告が必要" in page.locator("main").inner_text()
    _look(page, shoot, "02-incident")

    _start(page)
    type_into(page, page.get_by_label(re.compile("^原因の所在")), "ASP（業務システム）に起因")
    type_into(page, page.get_by_label(re.compile("^判断の理由")), "ASPの帳票出力設定の誤り（当団体の操作ではない）。")
    type_into(page, page.get_by_label(re.compile("^根拠となる契約条項")), "保守契約書 第12条")
    press_submit(page, page.get_by_role("button", name="対応する主体を判定"))
    assert page.url.startswith(incident_url)
    routing = page.locator("main table", has_text="対応する主体")
    assert routing.locator("tr", has_text="原因の所在").locator("td").inner_text() == "ASP（業務システム）に起因"
    assert "ASP" in routing.locator("tr", has_text="対応").first.locator("td").inner_text()
    assert (
        "株式会社北海道標準システムサービス"
        in routing.locator("tr", has_text="対応する主体").locator("td").inner_text()
    )
    expect(page.get_by_text("保守契約書 第12条").first).to_be_visible()
    _look(page, shoot, "03-incident-routed")

    page.goto("/incidents/")
    expect(page.locator("tr", has_text="税務システム帳票の誤同封").first).to_be_visible()
    _look(page, shoot, "04-incident-list")
