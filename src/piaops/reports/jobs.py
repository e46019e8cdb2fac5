"""Report files made by a background job (``piaops.jobs.registry.JOB_KINDS``): the same export services as the pages'
quick formats and the CLI (``piaops report section4``, ``piaops report periodic``), the result kept for download from
the job's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from piaops.assessments.models import AssessmentReport
from piaops.jobs.files import store_result
from piaops.jobs.models import Job
from piaops.jobs.registry import Outcome
from piaops.reports import periodic, section4
from piaops.reports.section4_export import export


def _report_file(
    job: Job, progress: Any, *, stage: str, build: Callable[..., Any], export: Callable[[Any, str], Any], message: str
) -> Outcome:
    """One report file of ``job.params`` (report, 年度, format): the data built, then the file stored for download."""
    report = AssessmentReport.objects.select_related("municipality").get(
        pk=job.params["report"], municipality_id=job.municipality_id
    )
    progress.stage(stage, 1)
    data = build(report, fiscal_year=int(job.params["fiscal_year"]), today=timezone.localdate())
    progress.advance(1)
    progress.stage("ファイルの作成", 1)
    file = export(data, str(job.params["format"]))  # the actor: the job's user (piaops.jobs.tasks)
    progress.advance(1)
    return store_result(job, file.filename, file.content, message=message)


def section4_export(*, job: Job, progress: Any) -> Outcome:
    """The Section Ⅳ evidence of one report and 年度 as a file (recorded as an export by the service)."""
    return _report_file(
        job,
        progress,
        stage="根拠の集計",
        build=section4.build,
        export=lambda data, fmt: export(data, fmt=fmt),
        message="評価書Ⅳの根拠資料を作成しました。",
    )


def periodic_export(*, job: Job, progress: Any) -> Outcome:
    """The 定期的な報告 of one report and 年度 as a file (the page's PDF; recorded as an export by the service)."""
    return _report_file(
        job,
        progress,
        stage="実施状況の集計",
        build=periodic.build,
        export=lambda data, fmt: periodic.export_report(data, fmt=fmt),
        message="定期的な報告を作成しました。",
    )
