"""Audit report drafts made by a background job (``piaops.jobs.registry.JOB_KINDS``): ``reports.report_draft``, the
one service of the page's Excel download, its file kept for download from the job's page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

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
