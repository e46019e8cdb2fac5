"""Every export shows Japan time: an incident known at 2026-12-07 08:45 JST (2026-12-06 23:45 UTC) is on 12月7日
on the page, in the Section Ⅳ evidence / XLSX / PDF, in the audit-log CSV and page, in the iCal feed and in the mail —
never on the UTC day 12月6日. The clock is frozen at 08:50 JST, ten minutes before midnight UTC: the hours (00:00–09:00
JST) in which the Japan date and the UTC date differ, where a UTC-day bug shows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import icalendar
import pytest
import time_machine
from django.core.management import call_command
from openpyxl import load_workbook

from piaops.calendarfeed.feed import feed_text
from piaops.incidents import services as incidents
from piaops.incidents.models import Incident
from piaops.incidents.reminders import collect
from piaops.reports.section4 import build, to_text
from piaops.reports.section4_export import export
from tests.conftest import World, login
from tests.selfcheck.helpers import make_campaign

KNOWN = dt.datetime(2026, 12, 6, 23, 45, tzinfo=dt.UTC)  # 2026-12-07 08:45 JST
NOW = dt.datetime(2026, 12, 6, 23, 50, tzinfo=dt.UTC)  # 2026-12-07 08:50 JST
JAPAN_DAY, UTC_DAY = "令和8年12月7日", "令和8年12月6日"


@pytest.fixture(autouse=True)
def _before_midnight_utc() -> object:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def incident(world: World) -> Incident:
    world.admin_a.email = "admin@city.example.jp"
    world.admin_a.save()
    return incidents.incident_record(
        municipality=world.a,
        user=world.admin_a,
        title="保守端末への不正アクセス",
        description="夜間の不正アクセスを朝に認知した。",
        detected_at=KNOWN,
        reporting_unit=world.tax_a,
        personal_info_involved=True,
        leaked=True,
        unlawful_purpose=True,
        people_affected=120,
    )


def test_deadlines_count_from_the_japan_day(incident: Incident) -> None:
    # Day 1 is 12/7 (JST): 速報 target 12/10, 確報 day 60 = 2027-02-04. From the UTC day it would be 2/3.
    assert incident.ppc_prompt_due == dt.date(2026, 12, 11)
    assert incident.ppc_final_due == dt.date(2027, 2, 4)


def test_the_page_shows_the_japan_date_and_time(world: World, incident: Incident) -> None:
    page = login(world.admin_a).get(f"/incidents/{incident.pk}/").content.decode()
    assert "2026-12-07 08:45" in page and JAPAN_DAY in page
    assert "2026-12-06 23:45" not in page


def test_the_section4_text_xlsx_and_pdf_show_the_japan_date(world: World, incident: Incident, tmp_path: Path) -> None:
    campaign = make_campaign(world.a, [world.tax_a])
    report = campaign.template.report
    assert report is not None
    s4 = build(report, fiscal_year=2026, today=dt.date(2026, 12, 7))
    assert UTC_DAY not in to_text(s4)  # the text is the report's own form: it has no evidence tables
    (table,) = [t for t in s4.evidence if t.title == "障害・事故"]
    assert table.rows[0][:2] == ["保守端末への不正アクセス", JAPAN_DAY]
    book = load_workbook(io.BytesIO(export(s4, fmt="xlsx").content))
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert JAPAN_DAY in cells and UTC_DAY not in cells
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    out = tmp_path / "s4.pdf"
    call_command("report_section4", assessment=report.pk, fy=2026, format="pdf", out=str(out))
    pdf = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert JAPAN_DAY in pdf.replace("\n", "") and UTC_DAY not in pdf.replace("\n", "")


def test_the_audit_log_csv_and_page_show_japan_time(world: World, incident: Incident) -> None:
    client = login(world.admin_a)
    body = client.get("/audit-log/export.csv", {"object_type": "incidents.Incident"}).getvalue().decode("utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(body)) if len(r) > 9 and r[4] == "incidents.Incident"]
    assert rows and rows[0][1] == "2026-12-07 08:50:00"  # when it was recorded, in JST
    assert "2026-12-07 08:45:00" in rows[0][9] and "23:45" not in rows[0][9]  # detected_at in the 変更後 column
    page = client.get("/audit-log/").content.decode()
    assert "2026-12-07 08:45:00" in page and "2026-12-06T23:45" not in page


def test_the_ical_feed_puts_the_deadlines_on_japan_days(world: World, incident: Incident) -> None:
    text = feed_text(world.admin_a, absolute=lambda path: "https://piaops.example.jp" + path)
    cal = icalendar.Calendar.from_ical(text)
    starts = {
        str(e.get("SUMMARY")): e.decoded("DTSTART") for e in cal.walk("VEVENT") if "保守端末" in str(e.get("SUMMARY"))
    }
    assert sorted(starts.values()) == [dt.date(2026, 12, 11), dt.date(2027, 2, 4)]


def test_the_mail_names_the_japan_day(world: World, incident: Incident) -> None:
    (reminder,) = [r for r in collect(today=dt.date(2026, 12, 9)) if r.key.endswith("ppc-prompt:before")]
    assert "事態を知った日 2026-12-07" in reminder.body and "2026-12-11" in reminder.body
