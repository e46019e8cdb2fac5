"""The kinds of background job: a key → the dotted name of a function ``(*, job, progress) -> Outcome``.

A domain app plugs its long work in here by name (the base never imports a domain app; the reports layer, which the
base may not even name, adds its kinds with :func:`register` from its ``AppConfig.ready``; see
``tests/test_architecture.py``). The function does its writes in one transaction (so a killed worker leaves
nothing half-done), reports progress with ``progress.stage(label, total)`` / ``progress.advance(n)``, raises
:class:`JobFailed` with a Japanese reason the user should read, and returns an :class:`Outcome`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string

JOB_KINDS: dict[str, str] = {
    "people_import": "piaops.tenancy.people_import.jobs.people_import",
    "selfcheck_zip": "piaops.selfcheck.jobs.campaign_zip",
    "selfcheck_summary_pdf": "piaops.selfcheck.jobs.campaign_summary_pdf",
    "audit_report": "piaops.audits.jobs.audit_report",
    "audit_report_submit": "piaops.audits.jobs.audit_report_submit",
    "training_import": "piaops.training.jobs.records_import",
    "door_log_import": "piaops.areas.jobs.door_log_import",
    "ismap_import": "piaops.assurance.jobs.ismap_import",
}


class JobFailed(Exception):
    """The job cannot be done for a reason its user can act on (the message is shown as it is)."""


def register(kind: str, dotted: str) -> None:
    """Add a kind from a layer this one may not name (reports: its ``AppConfig.ready``, rule 4 of the layers)."""
    JOB_KINDS.setdefault(kind, dotted)


SHOWN_PROBLEMS = 20


def refused(problems: Sequence[object], total: int | None = None) -> JobFailed:
    """The failure of an import that found problems in its file: the first ones listed, nothing saved."""
    total = total if total is not None else len(problems)
    shown = "\n".join(str(p) for p in problems[:SHOWN_PROBLEMS])
    more = f"\nほか {total - SHOWN_PROBLEMS} 件" if total > SHOWN_PROBLEMS else ""
    return JobFailed(f"問題が {total} 件あります。何も登録していません。\n{shown}{more}")


@dataclass(frozen=True)
class Outcome:
    message: str  # the summary shown on the job's page
    result_url: str = ""  # a page showing the result
    result_name: str = ""  # or a file in the default storage, downloaded as result_filename
    result_filename: str = ""


def function(kind: str) -> Callable[..., Any]:
    found: Callable[..., Any] = import_string(JOB_KINDS[kind])
    return found
