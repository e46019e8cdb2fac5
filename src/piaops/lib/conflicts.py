"""The one "someone else saved it first" error of optimistic locking, shared by every app that versions a record.

An app raises it (or a subclass that is also its own error type) when the version the user edited is no longer
the stored one. Pages show both versions; the API answers 409 with both version numbers (``piaops.api.site``).
"""

from __future__ import annotations

from typing import Any


class ConflictError(Exception):
    """The record changed since the caller loaded it. ``str()`` is the Japanese message for the user.

    ``expected_version`` is the version the caller edited, ``current_version`` the stored one; ``current`` may carry
    the stored record as plain data (the API sends it back so the client can show both versions).
    """

    def __init__(
        self,
        message: str,
        *,
        expected_version: int | None = None,
        current_version: int | None = None,
        current: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected_version = expected_version
        self.current_version = current_version
        self.current = current
