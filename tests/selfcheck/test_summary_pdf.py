"""The campaign's PDF summary: A4, embedded Japanese font, 和暦, page numbers, and the numbers a report needs."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from piaops.audittrail.models import Action, AuditEntry
from piaops.selfcheck import services
from piaops.selfcheck.models import Campaign, Checklist
from tests.conftest import World
from tests.jobs.runner import job_result
from tests.selfcheck.helpers import make_campaign

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")


def _played(world: World) -> Campaign:
    """Two units: 税政課 accepted with one いいえ (a finding with its plan), 保険年金課 not started."""
    # A deadline already past: 保険年金課 is late (before the deadline it would be 未到来 and not counted).
    campaign = make_campaign(world.a, [world.tax_a, world.other_a], general=True, deadline=dt.date(2026, 12, 4))
    checklist = Checklist.objects.get(campaign=campaign, unit=world.tax_a)
    answers = campaign.sort_answers(checklist.answers.select_related("item"))
    given = {a.item_id: services.AnswerInput("yes") for a in answers}
    given[answers[0].item_id] = services.AnswerInput(
        "no", "点検記録が一部残っていない。", "点検記録の様式を改め毎月確認する。", dt.date(2027, 1, 29)
    )
    services.checklist_save_answers(checklist=checklist, answers=given)
    services.checklist_submit(checklist=checklist)
    services.checklist_review(checklist=checklist, accept=True)
    return campaign


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "PiaopsJP" in fonts and " yes yes yes " in fonts  # embedded, subset, with a unicode map
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True)
    assert next(tmp_path.glob("p-*.png")).stat().st_size > 1000
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout


@needs_poppler
def test_the_admin_downloads_the_pdf_summary_and_it_is_recorded(world: World, as_admin: Client, tmp_path: Path) -> None:
    campaign = _played(world)
    response = job_result(as_admin, f"/selfcheck/campaigns/{campaign.pk}/jobs/pdf/")
    assert response.status_code == 200 and ".pdf" in response["Content-Disposition"]
    content = response.getvalue()
    text = _text(content, tmp_path)
    flat = "".join(text.split())
    assert "自己点検 集計報告" in text and "令和8年12月4日" in text  # the deadline in 和暦
    assert "税政課" in text and "保険年金課" in text and "確認済" in text and "未着手" in text
    assert "点検記録の様式を改め毎月確認する。" in flat and "令和9年1月29日" in flat  # the finding's plan and due date
    assert "十分に行っていない" in text and "1/2所属" in flat  # suggested rating with its numbers
    pages = int(
        subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)
        .stdout.decode()
        .split("Pages:")[1]
        .split()[0]
    )
    assert f"1/{pages}" in flat
    entry = AuditEntry.objects.filter(object_type="selfcheck.Campaign", object_id=str(campaign.pk)).latest("pk")
    assert entry.action == Action.EXPORT and "PDF" in entry.summary


@needs_poppler
def test_the_pdf_shows_the_share_per_item_and_per_unit(world: World, as_admin: Client, tmp_path: Path) -> None:
    campaign = _played(world)
    flat = _text(job_result(as_admin, f"/selfcheck/campaigns/{campaign.pk}/jobs/pdf/").getvalue(), tmp_path)
    flat = "".join(flat.split())
    n_items = len(campaign.items())
    assert "0（0.0%）1（100.0%）0（0.0%）" in flat  # the first item: one いいえ of one unit
    assert f"{n_items - 1}（{round(100 * (n_items - 1) / n_items, 1)}%）1（{round(100 / n_items, 1)}%）" in flat


def test_the_pdf_is_for_the_admin_only(
    world: World, as_viewer: Client, as_head: Client, as_auditor: Client, as_outsider: Client
) -> None:
    campaign = make_campaign(world.a, [world.tax_a])
    url = f"/selfcheck/campaigns/{campaign.pk}/jobs/pdf/"
    assert as_outsider.post(url).status_code == 404
    assert as_viewer.post(url).status_code == 403
    assert as_head.post(url).status_code == 403
    assert as_auditor.post(url).status_code == 403
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_the_campaign_page_offers_the_pdf_to_the_admin_only(world: World, as_admin: Client, as_auditor: Client) -> None:
    campaign = make_campaign(world.a, [world.tax_a])
    url = f"/selfcheck/campaigns/{campaign.pk}/"
    assert f"/selfcheck/campaigns/{campaign.pk}/jobs/pdf/" in as_admin.get(url).content.decode()  # made by a worker
    assert "/jobs/pdf/" not in as_auditor.get(url).content.decode()
