from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from piaops.assessments.models import AssessmentReport, Item
from piaops.assessments.parser import parse_report
from piaops.assessments.vocab import SectionIVRating
from piaops.audittrail.models import AuditEntry
from piaops.reports.section4 import build, to_text
from piaops.reports.section4_export import export
from piaops.selfcheck import results
from tests.conftest import World, login
from tests.selfcheck.helpers import make_campaign

NOW = dt.datetime(2026, 12, 21, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
CHOICES = [str(c.label) for c in SectionIVRating]


def _report(world: World) -> AssessmentReport:
    campaign = make_campaign(world.a, [world.tax_a])
    report = campaign.template.report
    assert report is not None
    Item.objects.filter(report=report, number_path="Ⅳ-1-①").update(
        choices=CHOICES, selected_choice="十分に行っていない", title="自己点検"
    )
    results.rating_decide(
        campaign=campaign, chosen=SectionIVRating.SUFFICIENT, reason="提出遅延は災害対応によるため", today=NOW.date()
    )
    return report


@time_machine.travel(NOW, tick=False)
def test_the_text_reads_in_the_reports_form_with_the_adopted_rating(world: World) -> None:
    report = _report(world)
    s4 = build(report, fiscal_year=2026, today=NOW.date())
    selfcheck = s4.items[0]
    assert selfcheck.suggested == "十分に行っていない"  # the checklist is not submitted: the rule says so
    assert selfcheck.chosen == "十分に行っている" and "災害対応" in selfcheck.reason
    assert any("0 / 1 所属" in n for n in selfcheck.numbers)
    text = to_text(s4)
    assert "[十分に行っている]" in text
    parsed = parse_report(text)
    item = next(i for i in parsed.items() if i.number_path == "Ⅳ-1-①")
    assert item.selected == "十分に行っている"


@time_machine.travel(NOW, tick=False)
def test_the_xlsx_carries_the_rule_numbers_and_reason(world: World) -> None:
    report = _report(world)
    before = AuditEntry.objects.filter(object_type="export").count()
    file = export(build(report, fiscal_year=2026, today=NOW.date()), fmt="xlsx")
    wb = load_workbook(io.BytesIO(file.content))
    ws = wb["Ⅳ 評価"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows["Ⅳ-1-①"][3] == "十分に行っている" and "災害対応" in rows["Ⅳ-1-①"][4]
    assert "「十分に行っている」: (1)" in rows["Ⅳ-1-①"][7]  # the rule, from the app's own function
    assert "受講率" in rows["Ⅳ-2"][6]
    assert "自己点検の実施" in wb.sheetnames
    assert AuditEntry.objects.filter(object_type="export").count() == before + 1


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
@time_machine.travel(NOW, tick=False)
def test_the_pdf_is_a4_with_japanese_text_and_page_numbers(world: World, tmp_path: Path) -> None:
    report = _report(world)
    out = tmp_path / "s4.pdf"
    call_command("report_section4", assessment=report.pk, fy=2026, format="pdf", out=str(out))
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "自己点検" in text and "災害対応によるため" in text and "令和8年12月21日" in text
    assert "1/" in text.replace(" ", "")
    subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(out), str(tmp_path / "p")], check=True)
    assert next(tmp_path.glob("p-*.png")).stat().st_size > 1000


@time_machine.travel(NOW, tick=False)
def test_the_page_is_for_the_municipality_wide_roles_only(world: World) -> None:
    report = _report(world)
    url = reverse("reports:section4", args=[report.pk])
    page = login(world.admin_a).get(url, {"fy": "2026"})
    assert page.status_code == 200 and "災害対応" in page.content.decode()
    assert login(world.viewer_a).get(url).status_code == 200
    assert login(world.head_a).get(url).status_code == 403
    assert login(world.user_b).get(url).status_code == 404
    download = login(world.auditor_a).get(url, {"fy": "2026", "format": "text"})
    assert "[十分に行っている]" in download.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_links_each_published_report_to_its_section4_page(world: World) -> None:
    report = _report(world)
    AssessmentReport.objects.filter(pk=report.pk).update(
        status=AssessmentReport.Status.PUBLISHED, published_on=dt.date(2024, 4, 1)
    )
    for user in (world.admin_a, world.viewer_a):
        client = login(user)
        dashboard = client.get(reverse("reports:index"), {"fy": "2026"}).content.decode()
        link = re.search(rf'<a href="([^"]+)" data-section4="{report.pk}">', dashboard)
        assert link, dashboard
        page = client.get(link.group(1).replace("&amp;", "&"))
        assert page.status_code == 200 and "災害対応" in page.content.decode()
    head = login(world.head_a).get(reverse("reports:index")).content.decode()  # a 所属長 may not open it
    assert "data-section4" not in head
    outsider = login(world.user_b).get(reverse("reports:index")).content.decode()
    assert "data-section4" not in outsider


@time_machine.travel(NOW, tick=False)
def test_the_rules_are_shown_in_japanese(world: World) -> None:
    """The rule under each rating is read by the 番号制度総括部門: in Japanese, not the developers' English."""
    report = _report(world)
    html = login(world.admin_a).get(reverse("reports:section4", args=[report.pk]), {"fy": "2026"}).content.decode()
    rules = re.findall(r"<dt>ルール</dt><dd>(.*?)</dd>", html, re.S)
    assert len(rules) == 3
    for rule in rules:
        assert "「十分に行っている」" in rule or "十分に行っている:" in rule
        assert not re.search(r"\b(when|Otherwise|every|the)\b", rule), rule
