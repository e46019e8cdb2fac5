"""Helpers shared by the ``piaops assessment …`` commands (``JsonCommand``: ``piaops.core.commands``)."""

from __future__ import annotations

import getpass

from django.core.management.base import CommandError

from piaops.assessments.parsed import ReportParseError
from piaops.audittrail.context import Actor
from piaops.core.commands import ProblemsError
from piaops.tenancy.models import Municipality


def municipality_by_code(code: str) -> Municipality:
    try:
        return Municipality.objects.get(code=code)
    except Municipality.DoesNotExist as exc:
        raise CommandError(f"団体コード {code} の団体が見つかりません。") from exc


def cli_actor() -> Actor:
    """The audit-trail actor of a command: no user account, the operating-system user's name."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Actor(user=None, name=f"cli:{name}")


def import_failed(exc: ReportParseError) -> ProblemsError:
    """The command error of a refused report: its message, and the problem with its line when known."""
    return ProblemsError(str(exc), problems=[{"line": exc.line, "message": exc.message}])
