"""Starting a background job: one row for its user, one task for the workers, in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from piaops.jobs.models import Job
from piaops.jobs.registry import JOB_KINDS
from piaops.tenancy.models import Municipality, User


def job_enqueue(*, municipality: Municipality, user: User | None, kind: str, title: str, params: dict[str, Any]) -> Job:
    """Record the job and enqueue ``run_job`` for it; a worker on any node takes it once (README "複数ノード")."""
    from piaops.jobs.tasks import run_job

    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    with transaction.atomic():
        job = Job.objects.create(municipality=municipality, user=user, kind=kind, title=title[:200], params=params)
        result = run_job.enqueue(job.pk)
        job.task_id = str(result.id)
        job.save(update_fields=["task_id"])
    return job
