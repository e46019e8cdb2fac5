"""A background job as its user sees it (:class:`Job`), and each ``piaops worker``'s heartbeat (:class:`WorkerBeat`).

The queue itself is django-tasks' database backend (``django_tasks_db.DBTaskResult``): a job is enqueued as one task
``piaops.jobs.tasks.run_job(job_id)``; the job row carries what the pages show — progress, the reason of a failure,
the link to the result — and the attempts, so that a job whose worker died is retried once, then marked failed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.tenancy.models import TenantOwned, TenantQuerySet, User


class JobStatus(models.TextChoices):
    QUEUED = "queued", "待機中"
    RUNNING = "running", "処理中"
    SUCCEEDED = "succeeded", "完了"
    FAILED = "failed", "失敗"


class JobQuerySet(TenantQuerySet):
    def visible_to(self, user: User) -> JobQuerySet:
        """The jobs ``user`` may see: the ones they started (another user's job, even an admin's, is theirs alone)."""
        return self.filter(municipality_id=user.municipality_id, user=user)


class Job(TenantOwned):
    kind = models.CharField(max_length=50)  # a key of piaops.jobs.registry.JOB_KINDS
    title = GuardedCharField("処理", max_length=200)
    params = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField("状態", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    task_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    stage = GuardedCharField("段階", max_length=100, blank=True, default="")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = GuardedTextField("結果", blank=True, default="")  # the summary, or the reason of a failure
    result_name = models.CharField(max_length=300, blank=True, default="")  # a file in the default storage
    result_filename = GuardedCharField(max_length=200, blank=True, default="")  # the name it downloads as
    result_url = models.CharField(max_length=300, blank=True, default="")  # or a page showing the result
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "バックグラウンド処理"
        verbose_name_plural = "バックグラウンド処理"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0


class WorkerBeat(models.Model):
    """A running ``piaops worker``: written every few seconds; a worker silent for longer than
    ``piaops.jobs.worker.STALE_SECONDS`` is dead, and the task it held is retried or failed."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=200, blank=True, default="")
    pid = models.PositiveIntegerField(default=0)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = "処理ワーカーの稼働記録"
        verbose_name_plural = "処理ワーカーの稼働記録"

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"
