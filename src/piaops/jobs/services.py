"""Starting a background job (one row for its user, one task for the workers, in the same transaction) and
forgetting old ones (``jobs_prune``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from piaops.audittrail.models import Action
from piaops.audittrail.services import record
from piaops.jobs.files import discard_uploads, stage_upload
from piaops.jobs.models import Job, JobStatus
from piaops.jobs.registry import JOB_KINDS
from piaops.tenancy.models import Municipality, User


def job_enqueue(
    *,
    municipality: Municipality,
    user: User | None,
    kind: str,
    title: str,
    params: dict[str, Any],
    uploads: dict[str, tuple[str, bytes]] | None = None,
) -> Job:
    """Record the job and enqueue ``run_job`` for it; a worker on any node takes it once (README "複数ノード").

    ``uploads`` (params key → (file name, bytes)): files the job works on, staged in the default storage for the
    worker (``piaops.jobs.files``) and removed after the job's success."""
    from piaops.jobs.tasks import run_job

    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    params = dict(params)
    for key, (filename, content) in (uploads or {}).items():
        params[key] = stage_upload(filename, content)
    with transaction.atomic():
        job = Job.objects.create(municipality=municipality, user=user, kind=kind, title=title[:200], params=params)
        result = run_job.enqueue(job.pk)
        job.task_id = str(result.id)
        job.save(update_fields=["task_id"])
    return job


# A finished job's page and result (a ZIP, a PDF) stay this long; the work it did is in the records and the audit
# trail for good. The worker prunes once an hour (``piaops.jobs.worker``).
KEEP_DAYS = 30


def jobs_prune(*, now: dt.datetime | None = None, keep_days: int = KEEP_DAYS) -> int:
    """Delete the finished jobs older than ``keep_days`` with their result files and their finished task rows, and
    record per municipality how many went; a queued or running job is never touched. Returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=keep_days)
    with transaction.atomic():
        old = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED], finished_at__lt=cutoff)
            .only("pk", "municipality_id", "result_name", "task_id", "params")
        )
        if not old:
            return 0
        for job in old:
            if job.result_name:
                default_storage.delete(job.result_name)
            discard_uploads(job.params)  # a failed job's upload was kept for its retry
        DBTaskResult.objects.filter(id__in=[j.task_id for j in old if j.task_id]).delete()
        Job.objects.filter(pk__in=[j.pk for j in old]).delete()
        for municipality_id, count in Counter(j.municipality_id for j in old).items():
            record(
                action=Action.DELETE,
                municipality_id=municipality_id,
                object_type="jobs.Job",
                summary=f"{keep_days}日を過ぎた終了済みのバックグラウンド処理 {count} 件と結果ファイルを削除",
            )
    return len(old)
