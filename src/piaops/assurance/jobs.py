"""The ISMAP list import as a background job (``piaops.jobs.registry.JOB_KINDS``): the page checks a file at once
(dry run), a worker imports it with the same service as the CLI (``ismap_import``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from piaops.assurance import services
from piaops.assurance.ismap_list import IsmapListError
from piaops.jobs.files import staged_upload
from piaops.jobs.models import Job
from piaops.jobs.registry import JobFailed, Outcome, refused


def ismap_import(*, job: Job, progress: Any) -> Outcome:
    file_name, content = staged_upload(job)
    progress.stage("ISMAPリストの取込", 1)
    try:
        result = services.ismap_import(
            municipality=job.municipality,
            content=content,
            file_name=file_name,
            list_date=dt.date.fromisoformat(job.params["list_date"]),
            imported_by=job.user,
        )
    except IsmapListError as exc:
        raise refused(exc.errors) from exc
    if result.snapshot is None:
        raise JobFailed("取り込めませんでした。何も登録していません。")
    progress.advance(1)
    return Outcome(
        message=f"ISMAPリストを取り込みました（{len(result.parsed.entries)}件）。",
        result_url=reverse("assurance:ismap_snapshot", args=[result.snapshot.pk]),
    )
