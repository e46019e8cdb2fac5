"""The training records import as a background job (``piaops.jobs.registry.JOB_KINDS``): the page checks a file at
once (dry run) and leaves the import itself to a worker; the service is the CLI's (``training_import``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from piaops.jobs.files import staged_upload
from piaops.jobs.models import Job
from piaops.jobs.registry import JobFailed, Outcome, refused
from piaops.training.importing import ImportFileError, import_records


def records_import(*, job: Job, progress: Any) -> Outcome:
    filename, content = staged_upload(job)
    progress.stage("受講記録の取込", 0)
    try:
        result = import_records(
            municipality=job.municipality,
            data=content,
            filename=filename,
            today=timezone.localdate(),
            recorded_by=job.user,
            progress=progress.advance,
        )
    except ImportFileError as exc:
        raise JobFailed(f"{exc} 何も登録していません。") from exc
    if not result.ok:
        raise refused(result.errors, result.error_count)
    return Outcome(message=f"{result.created} 件の受講記録を登録しました。", result_url=reverse("training:records"))
