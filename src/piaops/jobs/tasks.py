"""The one task of piaops: run a :class:`~piaops.jobs.models.Job` (its kind names the function, see registry)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from piaops.audittrail.context import Actor, acting_as
from piaops.jobs.files import discard_uploads
from piaops.jobs.models import Job, JobStatus
from piaops.jobs.progress import JobProgress
from piaops.jobs.registry import JobFailed, function
from piaops.tenancy.rls import tenant_context

log = logging.getLogger(__name__)


@task()
def run_job(job_id: int) -> str:
    """Run the job once: a finished job is never run again (the returned text says what happened)."""
    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",)).select_related("user", "municipality").get(pk=job_id)
        if job.finished:
            return f"already {job.status}"
        job.status, job.attempts, job.started_at = JobStatus.RUNNING, job.attempts + 1, timezone.now()
        job.save(update_fields=["status", "attempts", "started_at"])
    progress = JobProgress(job)
    actor = Actor(user=job.user, name=str(job.user) if job.user else "バックグラウンド処理")
    try:
        # The job's writes, its result file (in the database storage) and its success are one transaction: a
        # worker killed half-way leaves nothing, and the job is retried or failed by piaops.jobs.worker.
        # Row-level security: the job works for its municipality only (README "セキュリティ").
        with acting_as(actor), tenant_context(job.municipality_id), transaction.atomic():
            outcome = function(job.kind)(job=job, progress=progress)
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.SUCCEEDED,
                message=outcome.message,
                result_url=outcome.result_url,
                result_name=outcome.result_name,
                result_filename=outcome.result_filename[:200],
                stage=progress.stage_label,
                done=progress.total or progress.done,
                total=progress.total,
                finished_at=timezone.now(),
            )
    except JobFailed as exc:
        _finish(job, JobStatus.FAILED, message=str(exc))
        return "failed"
    except Exception as exc:
        reason = (
            f"処理中にエラーが発生しました（{type(exc).__name__}）。何も変更していません。管理者に連絡してください。"
        )
        _finish(job, JobStatus.FAILED, message=reason)
        raise
    # The upload it worked on is no longer needed (after the commit: were it removed inside, a rollback on the
    # filesystem storage could not bring it back).
    discard_uploads(job.params)
    return "succeeded"


def _finish(job: Job, status: str, *, message: str) -> None:
    Job.objects.filter(pk=job.pk).update(status=status, message=message, finished_at=timezone.now())
