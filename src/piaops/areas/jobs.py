"""The door-log import as a background job (``piaops.jobs.registry.JOB_KINDS``): the page checks a file at once
(dry run), a worker imports it with the same service as the CLI (``accesslog_import``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from piaops.areas.importing import DoorLogError
from piaops.areas.importing import door_log_import as import_service
from piaops.areas.models import Area, DoorLogMapping
from piaops.jobs.files import staged_upload
from piaops.jobs.models import Job
from piaops.jobs.registry import Outcome, refused


def door_log_import(*, job: Job, progress: Any) -> Outcome:
    area = Area.objects.get(pk=job.params["area"], municipality_id=job.municipality_id)
    mapping_id = job.params.get("mapping")
    mapping = (
        DoorLogMapping.objects.get(pk=mapping_id, municipality_id=job.municipality_id)
        if mapping_id
        else DoorLogMapping(municipality=area.municipality, name="標準")
    )
    file_name, content = staged_upload(job)
    progress.stage("入退室ログの取込", 0)
    try:
        batch = import_service(
            area=area, data=content, file_name=file_name, mapping=mapping, user=job.user, progress=progress.advance
        )
    except DoorLogError as exc:
        raise refused(exc.errors, exc.total) from exc
    skipped = f"（取込済み・重複の{batch.skipped}件は追加していません）" if batch.skipped else ""
    return Outcome(
        message=f"入退室ログ {batch.rows}件を取り込みました{skipped}。",
        result_url=reverse("areas:detail", args=[area.pk]),
    )
