"""A job's progress, written where every node's pages can read it while the job runs.

The job's own work usually runs in one transaction; progress written through that connection would stay invisible
until the end. On PostgreSQL the settings add the connection alias ``progress`` (the same database): progress goes
through it, committed at once. Without it (SQLite: one node; the tests) progress is written only between
transactions, and inside one it is kept and written at the next chance.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connections

from piaops.jobs.models import Job

WRITE_EVERY_SECONDS = 0.5


class JobProgress:
    """The ``Progress`` protocol of the import services (``stage`` and ``advance``), recorded on a :class:`Job`."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk
        self.stage_label = ""
        self.done = 0
        self.total = 0
        self._written = 0.0

    def stage(self, label: str, total: int) -> None:
        self.stage_label, self.done, self.total = label[:100], 0, max(0, total)
        self.write(force=True)

    def advance(self, n: int) -> None:
        self.done = min(self.total, self.done + n) if self.total else self.done + n
        self.write()

    def write(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._written < WRITE_EVERY_SECONDS:
            return
        alias = "progress" if "progress" in settings.DATABASES else "default"
        if alias == "default" and connections[alias].in_atomic_block:
            return  # invisible until the commit anyway
        Job.objects.using(alias).filter(pk=self.job_id).update(stage=self.stage_label, done=self.done, total=self.total)
        self._written = now
