"""``piaops worker``: django-tasks' database worker, plus a heartbeat and the recovery of tasks whose worker died.

Workers on every node take tasks from the same table with ``SELECT … FOR UPDATE SKIP LOCKED`` (django-tasks-db), so
each task is claimed by one worker. A worker writes its :class:`~piaops.jobs.models.WorkerBeat` every
:data:`BEAT_SECONDS`; any worker finding a running task whose worker has been silent for :data:`STALE_SECONDS`
(killed, its node gone) puts it back in the queue if its job has had fewer than :data:`MAX_ATTEMPTS` attempts, else
marks it failed with the reason shown to the user. The job's work is one transaction, so nothing of the killed
attempt remains.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time

from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from piaops.jobs.models import Job, JobStatus, WorkerBeat
from piaops.jobs.services import jobs_prune

log = logging.getLogger(__name__)
BEAT_SECONDS = 2.0
PRUNE_SECONDS = 3600.0  # old finished jobs are deleted at most this often (and when a worker starts)
STALE_SECONDS = 10.0
MAX_ATTEMPTS = 2
WORKER_LOST = "piaops.jobs.worker.WorkerLost"


def beat(worker_id: str) -> None:
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": socket.gethostname()[:200], "pid": os.getpid(), "beat_at": timezone.now()},
    )


def reap(*, now: dt.datetime | None = None) -> int:
    """Retry or fail the running tasks whose worker is silent; returns how many were handled."""
    now = now or timezone.now()
    alive = set(
        WorkerBeat.objects.filter(beat_at__gte=now - dt.timedelta(seconds=STALE_SECONDS)).values_list(
            "worker_id", flat=True
        )
    )
    handled = 0
    with transaction.atomic():
        for result in DBTaskResult.objects.running().select_for_update(skip_locked=True):
            if result.worker_ids and result.worker_ids[-1] in alive:
                continue
            job = Job.objects.select_for_update().filter(task_id=str(result.id)).first()
            if job is not None and job.attempts < MAX_ATTEMPTS:
                result.status, result.started_at = TaskResultStatus.READY, None
                result.save(update_fields=["status", "started_at"])
                job.status = JobStatus.QUEUED
                job.message = "前回の処理が中断されたため（処理していたサーバーの停止）、もう一度実行します。"
                job.save(update_fields=["status", "message"])
            else:
                result.status, result.finished_at = TaskResultStatus.FAILED, now
                result.exception_class_path = WORKER_LOST
                result.traceback = "the worker running this task stopped answering"
                result.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                if job is not None:
                    job.status, job.finished_at = JobStatus.FAILED, now
                    job.message = (
                        f"処理していたサーバーが停止したため、{job.attempts} 回とも中断しました。"
                        "何も変更していません。もう一度実行してください。"
                    )
                    job.save(update_fields=["status", "finished_at", "message"])
            handled += 1
        WorkerBeat.objects.filter(beat_at__lt=now - dt.timedelta(days=1)).delete()
    return handled


class BeatingWorker(Worker):
    """A django-tasks-db worker that beats and reaps in a thread of its own (not in ``--batch`` runs)."""

    def run(self) -> None:
        self._stop = threading.Event()
        beat(self.worker_id)
        reap()
        jobs_prune()
        thread = None
        if not self.batch:
            thread = threading.Thread(target=self._beat_loop, name="piaops-worker-beat", daemon=True)
            thread.start()
        try:
            super().run()
        finally:
            self._stop.set()
            if thread is not None:
                thread.join(timeout=5)
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()

    def _beat_loop(self) -> None:
        last_prune = time.monotonic()
        while not self._stop.wait(BEAT_SECONDS):
            try:
                beat(self.worker_id)
                if handled := reap():
                    log.warning("requeued or failed %d task(s) of stopped workers", handled)
                if time.monotonic() - last_prune >= PRUNE_SECONDS:
                    last_prune = time.monotonic()
                    if pruned := jobs_prune():
                        log.info("deleted %d old finished job(s)", pruned)
            except DatabaseError:
                log.warning("worker heartbeat failed", exc_info=True)
            finally:
                connections.close_all()  # this thread's connections only
