"""Commands whose ``--json`` output stays machine-readable when they fail (issue 18 §5).

``JsonCommand``: with ``--json``, a ``CommandError`` is written to standard output as
``{"error": message, "problems": [...]}`` and the command exits with the error's code, as without ``--json``.
Every piaops command with a ``--json`` option is one (``tests/core/test_json_commands.py`` enumerates them).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class ProblemsError(CommandError):
    """A command error with the problems behind it (``[{"line": n or None, "message": "…"}]``)."""

    def __init__(self, message: str, *, problems: list[dict[str, Any]] | None = None, returncode: int = 1) -> None:
        super().__init__(message, returncode=returncode)
        self.problems = problems or []


class WrittenError(CommandError):
    """An error whose JSON the command has already written itself, as part of its one answer (a check that fails:
    its findings and ``error`` in one document); ``JsonCommand`` only exits with its code."""


class JsonCommand(BaseCommand):
    """A command with a ``--json`` option whose errors are JSON too (see the module docstring). Problems are the
    lines of the file behind the error (``ProblemsError``), else empty."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        if not options.get("json"):
            return super().execute(*args, **options)
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            if not isinstance(exc, WrittenError):
                problems = exc.problems if isinstance(exc, ProblemsError) else []
                self.stdout.write(json.dumps({"error": str(exc), "problems": problems}, ensure_ascii=False, indent=2))
            raise SystemExit(exc.returncode) from exc
