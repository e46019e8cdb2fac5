"""Done when of the yearly cycle, on the demo's 年度: the review with candidates of each kind (tests/reviews/
test_demo.py), the 定期的な報告 workbook and PDF with one row per commitment of every report in force, and the
checklists carrying the 安全管理措置 baseline section."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from piaops.assessments import demo as assessments_demo
from piaops.assessments.models import AssessmentReport
from piaops.assurance import demo as assurance_demo
from piaops.incidents import demo as incidents_demo
from piaops.reports.periodic import export
from piaops.reviews import demo
from piaops.selfcheck import baseline
from piaops.selfcheck import demo as selfcheck_demo
from piaops.selfcheck.models import Campaign, Checklist
from tests.conftest import World

TODAY = dt.date(2026, 11, 25)


def test_the_demo_year_has_the_periodic_report_files_and_checklists_with_the_baseline(world: World) -> None:
    for step in (assessments_demo, selfcheck_demo, assurance_demo, incidents_demo, demo):
        step.build(municipality=world.a, people=0, today=TODAY)
    files = export(municipality_id=world.a.pk, fiscal_year=2026, today=TODAY)
    reports = list(AssessmentReport.objects.current().filter(municipality=world.a).order_by("series"))
    sheets = load_workbook(io.BytesIO(files.xlsx)).worksheets
    assert len(sheets) == len(reports) > 1
    for ws, report in zip(sheets, reports, strict=True):
        rows = [r for r in ws.iter_rows(min_row=3, values_only=True)]
        assert [r[2] for r in rows] == list(report.commitments.order_by("order", "id").values_list("text", flat=True))
        assert all(r[5] for r in rows)  # the status column is pre-filled on every row
    assert files.pdf.startswith(b"%PDF")
    campaigns = Campaign.objects.filter(municipality=world.a, fiscal_year=2026)
    assert campaigns.exists()
    for campaign in campaigns:
        carried = [t for t in campaign.template_list() if t.baseline_year == 2026]
        assert carried == [baseline.current(world.a.pk, 2026)]
        n = carried[0].items.count()
        for checklist in Checklist.objects.filter(campaign=campaign):
            assert checklist.answers.filter(item__template=carried[0]).count() == n
