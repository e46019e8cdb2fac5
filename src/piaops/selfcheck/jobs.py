"""Long self-inspection work as background jobs (``piaops.jobs.registry.JOB_KINDS``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.jobs.files import store_result
from piaops.jobs.models import Job
from piaops.jobs.registry import Outcome
from piaops.selfcheck import pdf, xlsx
from piaops.selfcheck.models import Campaign


def campaign_zip(*, job: Job, progress: Any) -> Outcome:
    """Every unit's workbook of a campaign in one ZIP, stored as the job's result (recorded as an export)."""
    campaign = Campaign.objects.get(pk=job.params["campaign"], municipality_id=job.municipality_id)
    checklists = list(campaign.checklists.select_related("unit"))
    progress.stage("自己点検票の作成", len(checklists))
    content = xlsx.campaign_zip(campaign, checklists=checklists)
    progress.advance(len(checklists))
    record(
        action=Action.EXPORT,
        municipality_id=campaign.municipality_id,
        obj=campaign,
        summary="全所属の自己点検票をZIPで出力",
    )
    filename = f"selfcheck_{campaign.fiscal_year}_{campaign.pk}.zip"
    return store_result(job, filename, content, message=f"{len(checklists)} 所属の自己点検票をまとめました。")


def campaign_summary_pdf(*, job: Job, progress: Any) -> Outcome:
    """The campaign's summary report as a PDF (WeasyPrint takes seconds for a big campaign), stored as the result."""
    campaigns = Campaign.objects.select_related("template")
    campaign = campaigns.get(pk=job.params["campaign"], municipality_id=job.municipality_id)
    progress.stage("集計報告の作成", 1)
    content = pdf.campaign_summary_pdf(campaign, today=timezone.localdate())
    progress.advance(1)
    record(
        action=Action.EXPORT,
        municipality_id=campaign.municipality_id,
        obj=campaign,
        summary="自己点検の集計をPDFで出力",
    )
    filename = f"selfcheck_summary_{campaign.fiscal_year}_{campaign.pk}.pdf"
    return store_result(job, filename, content, message="集計報告（PDF）を作成しました。")
