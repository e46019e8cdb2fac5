"""Run the queued background jobs the way ``piaops worker`` does, in this process (``--batch``: until none is left)."""

from __future__ import annotations

from unittest import mock

from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client


def run_jobs() -> None:
    """The worker between two requests of a test. The test runs inside one transaction (pytest-django), which the
    worker's ``close_old_connections()`` would take for a broken connection and close (on PostgreSQL); a real worker
    is never inside a transaction, so here that call is left out and everything else runs as in production."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def job_result(client: Client, start_url: str, data: dict[str, str] | None = None) -> HttpResponse:
    """Start a job as a page does (POST), run it, and download its result file as its user would."""
    started = client.post(start_url, data or {})
    assert started.status_code == 302, started.content.decode()
    run_jobs()
    return client.get(f"{started['Location']}result/")  # type: ignore[return-value]
