"""Helpers shared by the ``piaops assessment …`` commands."""

from __future__ import annotations

import getpass
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from piaops.assessments.parsed import ReportParseError
from piaops.audittrail.context import Actor
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


class ProblemsError(CommandError):
    """A command error with the problems behind it (``[{"line": n or None, "message": "…"}]``)."""

    def __init__(self, message: str, *, problems: list[dict[str, Any]] | None = None, returncode: int = 1) -> None:
        super().__init__(message, returncode=returncode)
        self.problems = problems or []


def import_failed(exc: ReportParseError) -> ProblemsError:
    """The command error of a refused report: its message, and the problem with its line when known."""
    return ProblemsError(str(exc), problems=[{"line": exc.line, "message": exc.message}])


class JsonCommand(BaseCommand):
    """A command with a ``--json`` option whose errors are JSON too: with ``--json``, a ``CommandError`` is written
    to standard output as ``{"error": message, "problems": [...]}`` and the command exits with the error's code (1),
    as without ``--json``. Problems are the lines of the file behind the error (``ProblemsError``), else empty."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        if not options.get("json"):
            return super().execute(*args, **options)
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            problems = exc.problems if isinstance(exc, ProblemsError) else []
            self.stdout.write(json.dumps({"error": str(exc), "problems": problems}, ensure_ascii=False, indent=2))
            raise SystemExit(exc.returncode) from exc
