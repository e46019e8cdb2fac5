"""Run the queued background jobs the way ``piaops worker`` does, in this process (``--batch``: until none is left)."""

from __future__ import annotations

from django.core.management import call_command


def run_jobs() -> None:
    call_command("worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
