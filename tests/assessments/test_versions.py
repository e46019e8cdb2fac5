"""Assessment versions (issue 14 §3): the version in force keeps the newest 公表日; each version records its kind;
the 5-year clock runs from the last 再実施 or 重要な変更による再評価 (特定個人情報保護評価に関する規則第15条:
「5年を経過する前に…再実施するよう努めるものとする」; 規則第11条 重要な変更), and the reminder says 努める and
names the report's tier."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from piaops.assessments.models import AssessmentReport, with_reassessed_on
from piaops.assessments.reminders import collect
from piaops.assessments.services import report_plan
from piaops.assessments.vocab import Revision, Tier
from piaops.tenancy.models import User
from tests import factories as f
from tests.assessments import builders as b
from tests.conftest import World

D = dt.date
REFERENCE = Path(__file__).parents[2] / "src/piaops/assessments/data/sapporo_local_tax_section_iv.md"
R, S, C = Revision.REASSESSMENT, Revision.SIGNIFICANT_CHANGE, Revision.CORRECTION


@pytest.mark.parametrize(
    ("versions", "due"),
    [
        # (公表日, kind or None for the default) of each version in import order → the re-assessment due date
        ([(D(2020, 4, 1), None)], D(2025, 4, 1)),  # a first version is the assessment
        ([(D(2020, 4, 1), None), (D(2023, 6, 1), None)], D(2025, 4, 1)),  # a later one defaults to 修正
        ([(D(2020, 4, 1), None), (D(2023, 6, 1), C)], D(2025, 4, 1)),  # 修正 (文言整理): the clock does not move
        ([(D(2020, 4, 1), None), (D(2023, 6, 1), S)], D(2028, 6, 1)),  # 重要な変更による再評価 restarts it
        ([(D(2020, 4, 1), None), (D(2024, 3, 29), R)], D(2029, 3, 29)),  # 再実施 restarts it
        ([(D(2020, 4, 1), None), (D(2024, 3, 29), R), (D(2025, 1, 10), C)], D(2029, 3, 29)),  # then a 修正
        ([(D(2020, 2, 29), None)], D(2025, 2, 28)),  # leap day: the same day 5 years later, else the day before
        ([(D(2023, 6, 1), None), (D(2021, 6, 1), R)], D(2028, 6, 1)),  # an older 再実施 is not the last one
    ],
)
def test_the_five_year_clock_runs_from_the_last_reassessment(
    world: World, versions: list[tuple[dt.date, str | None]], due: dt.date
) -> None:
    work = f.work(world.a)
    for published_on, kind in versions:
        b.save(world.a, [work], b.reference(), published_on=published_on, revision=kind)
    (current,) = AssessmentReport.objects.current().filter(municipality=world.a)
    assert current.next_full_reassessment_due == due
    # A list of reports (the dashboard, the reminders) reads the same clock for all of them in one query.
    reports = list(AssessmentReport.objects.filter(municipality=world.a).order_by("pk"))
    expected = [(r.reassessed_on, r.next_full_reassessment_due) for r in reports]
    fresh = list(AssessmentReport.objects.filter(municipality=world.a).order_by("pk"))
    with CaptureQueriesContext(connection) as ctx:
        with_reassessed_on(fresh)
        assert [(r.reassessed_on, r.next_full_reassessment_due) for r in fresh] == expected
    assert len(ctx) == 1


@pytest.mark.parametrize(
    ("first", "second", "in_force"),
    [
        (D(2024, 4, 1), D(2025, 4, 1), 2),  # newer 公表日: the new version is in force
        (D(2024, 4, 1), D(2024, 4, 1), 2),  # the same day: the later import
        (D(2024, 4, 1), D(2023, 4, 1), 1),  # older: kept as 旧版, version 1 stays in force
    ],
)
def test_an_older_publication_date_does_not_displace_the_version_in_force(
    world: World, first: dt.date, second: dt.date, in_force: int
) -> None:
    work = f.work(world.a)
    b.save(world.a, [work], b.reference(), published_on=first)
    plan = report_plan(municipality=world.a, works=[work], parsed=b.reference(), published_on=second)
    assert plan.older_than_in_force is (in_force == 1)
    assert ("現在の版にはしません" in plan.in_force_warning) is (in_force == 1)
    b.save(world.a, [work], b.reference(), published_on=second)
    (current,) = AssessmentReport.objects.current().filter(municipality=world.a)
    assert current.version == in_force
    statuses = dict(AssessmentReport.objects.values_list("version", "status"))
    assert statuses[3 - in_force] == AssessmentReport.Status.SUPERSEDED
    third = b.save(world.a, [work], b.reference(), published_on=D(2026, 4, 1))  # the next one still follows on
    assert third.version == 3 and list(AssessmentReport.objects.current().filter(municipality=world.a)) == [third]


@pytest.mark.parametrize(
    ("tier", "label"),
    [(Tier.FULL, "全項目評価"), (Tier.FOCUSED, "重点項目評価"), (Tier.BASIC, "基礎項目評価")],
)
def test_the_reminder_says_endeavour_and_names_the_reports_tier(world: World, tier: str, label: str) -> None:
    User.objects.filter(pk=world.admin_a.pk).update(email="bangou@city.example.jp")
    report = b.save(world.a, [f.work(world.a)], b.reference(), published_on=D(2021, 4, 1))
    AssessmentReport.objects.filter(pk=report.pk).update(tier=tier)
    [reminder] = collect(today=D(2026, 4, 2))
    assert f"{label}を再実施するよう努める" in reminder.body and "規則第15条" in reminder.body
    assert label in reminder.subject and "必要があります" not in reminder.body
    others = {"全項目評価", "重点項目評価", "基礎項目評価"} - {label}
    assert not any(f"{o}を再実施" in reminder.body for o in others)


def test_the_kind_is_chosen_in_the_web_form_and_an_older_date_is_warned(world: World, as_admin: Client) -> None:
    work = f.work(world.a)
    b.save(world.a, [work], b.reference(), published_on=D(2024, 4, 1))
    file = SimpleUploadedFile("r.md", REFERENCE.read_bytes())
    data = {"file": file, "works": [work.pk], "published_on": "2023-04-01", "tier": Tier.FULL, "revision": S}
    body = as_admin.post("/assessments/import/", data).content.decode()
    assert "重要な変更による再評価" in body and "現在の版にはしません" in body
    token = as_admin.session["assessments_upload"]["sha256"]  # the preview keeps the file in the session
    assert as_admin.post("/assessments/import/save/", {"token": token}).status_code == 302
    (older,) = AssessmentReport.objects.filter(version=2)
    assert older.revision == S and older.status == AssessmentReport.Status.SUPERSEDED
    assert AssessmentReport.objects.current().get(municipality=world.a).version == 1


def test_the_cli_takes_the_kind_and_says_when_the_version_is_not_in_force(world: World, tmp_path: Path) -> None:
    work = f.work(world.a)
    b.save(world.a, [work], b.reference(), published_on=D(2024, 4, 1))
    args = ["assessment_import", str(REFERENCE), "--municipality", "011002", "--work", work.name]
    out = io.StringIO()
    call_command(
        *args, "--published-on", "2023-04-01", "--kind", "significant_change", "--dry-run", "--json", stdout=out
    )
    summary = json.loads(out.getvalue())
    assert summary["revision"] == "significant_change" and summary["in_force"] is False
    call_command(*args, "--published-on", "2025-04-01", "--kind", "reassessment", stdout=io.StringIO())
    current = AssessmentReport.objects.current().get(municipality=world.a)
    assert current.revision == Revision.REASSESSMENT and current.next_full_reassessment_due == D(2030, 4, 1)
