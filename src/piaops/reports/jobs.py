"""Report files made by a background job (``piaops.jobs.registry.JOB_KINDS``): the same export services as the pages'
quick formats and the CLI (``piaops report section4``, ``piaops report periodic``), the result kept for download from
the job's page."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from piaops.assessments.models import AssessmentReport
from piaops.jobs.files import store_result
from piaops.jobs.models import Job
from piaops.jobs.registry import Outcome
from piaops.reports import periodic, section4
from piaops.reports.section4_export import export


def section4_export(*, job: Job, progress: Any) -> Outcome:
    """The Section Ⅳ evidence of one report and 年度 as a file (recorded as an export by the service)."""
    report = AssessmentReport.objects.select_related("municipality").get(
        pk=job.params["report"], municipality_id=job.municipality_id
    )
    progress.stage("根拠の集計", 2)
    data = section4.build(report, fiscal_year=int(job.params["fiscal_year"]), today=timezone.localdate())
    progress.advance(1)
    progress.stage("ファイルの作成", 1)
    file = export(data, fmt=str(job.params["format"]))  # the actor: the job's user (piaops.jobs.tasks)
    progress.advance(1)
    return store_result(job, file.filename, file.content, message="評価書Ⅳの根拠資料を作成しました。")


def periodic_export(*, job: Job, progress: Any) -> Outcome:
    """The 定期的な報告 of one report and 年度 as a file (the page's PDF; recorded as an export by the service)."""
    report = AssessmentReport.objects.select_related("municipality").get(
        pk=job.params["report"], municipality_id=job.municipality_id
    )
    progress.stage("実施状況の集計", 1)
    pr = periodic.build(report, fiscal_year=int(job.params["fiscal_year"]), today=timezone.localdate())
    progress.advance(1)
    progress.stage("ファイルの作成", 1)
    file = periodic.export_report(pr, fmt=str(job.params["format"]))  # the actor: the job's user
    progress.advance(1)
    return store_result(job, file.filename, file.content, message="定期的な報告を作成しました。")
