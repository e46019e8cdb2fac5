"""Audit reports made by background jobs (``piaops.jobs.registry.JOB_KINDS``): the drafts (``reports.report_draft``, the
one service of the page's Excel download, its file kept for download from the job's page) and the submission
(``reports.report_submit``: rendering the PDF and the Excel form takes seconds; the job's transaction freezes both
files, the data and the audit entry at once, so a job killed before its commit leaves no report and runs again)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse

from piaops.audits import reports
from piaops.jobs.files import store_result
from piaops.jobs.models import Job
from piaops.jobs.registry import JobFailed, Outcome


def audit_report(*, job: Job, progress: Any) -> Outcome:
    p = job.params
    progress.stage("報告書の作成", 1)
    try:
        body, filename = reports.report_draft(
            municipality=job.municipality,
            fiscal_year=int(p["fiscal_year"]),
            kind=str(p["kind"]),
            fmt=str(p["format"]),
            as_of=dt.date.fromisoformat(p["as_of"]) if p.get("as_of") else None,
        )
    except ValidationError as exc:
        raise JobFailed("、".join(exc.messages)) from exc
    progress.advance(1)
    return store_result(job, filename, body, message="報告書（下書き）を作成しました。")


def audit_report_submit(*, job: Job, progress: Any) -> Outcome:
    """Submit (freeze) the report as the user who started the job: signed means frozen, as on the page before."""
    p = job.params
    progress.stage("報告書の作成と提出", 1)
    try:
        report = reports.report_submit(
            municipality=job.municipality,
            fiscal_year=int(p["fiscal_year"]),
            kind=str(p["kind"]),
            as_of=dt.date.fromisoformat(p["as_of"]) if p.get("as_of") else None,
            by=job.user,
        )
    except ValidationError as exc:
        raise JobFailed("、".join(exc.messages)) from exc
    progress.advance(1)
    return Outcome(
        message=f"{report.get_kind_display()}を提出しました。",
        result_url=reverse("audits:reports", kwargs={"fy": report.fiscal_year}),
    )
