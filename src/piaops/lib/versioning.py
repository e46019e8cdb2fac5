"""Optimistic locking: editable records carry a ``version`` that every save moves forward by one.

A form carries the version the user loaded; the service passes it as ``expected_version`` and calls
:func:`claim_version` inside its transaction. The claim is one conditional ``UPDATE … SET version = version + 1
WHERE pk = … AND version = …``: on PostgreSQL a second writer's UPDATE waits for the first transaction's row lock,
then re-reads the row, finds the version moved and matches nothing; on SQLite writers are serialised by the database
lock. Either way exactly one of two saves made from the same version wins and the other gets :class:`ConflictError`
(its transaction rolls back, so nothing of it is written). ``expected_version=None`` skips the check (callers that
did not load a version, such as imports and the CLI) but still moves the version, so that open forms notice.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F


class ConflictError(Exception):
    """Someone else saved the record since the caller loaded it. ``str()`` is the Japanese message.

    ``expected`` is the version the caller loaded, ``current`` the version now stored; ``stored`` may carry the
    stored record as plain data (the API sends it back with its 409 so the client can show both versions).
    """

    def __init__(self, message: str = "", *, expected: int | None = None, current: int | None = None) -> None:
        self.expected = expected
        self.current = current
        self.stored: dict[str, Any] | None = None
        super().__init__(message or conflict_message("この記録", expected=expected, current=current))


def conflict_message(what: str, *, expected: int | None, current: int | None) -> str:
    """The Japanese message of a conflict on ``what`` (e.g. 「この自己点検票」), naming both versions."""
    versions = f"（あなたが開いた版: 第{expected}版、現在の版: 第{current}版）" if expected and current else ""
    return (
        f"{what}は、あなたが開いた後に他の利用者によって保存されています{versions}。"
        "あなたの入力内容は保存していません。最新の内容と見比べてから、もう一度保存してください。"
    )


def claim_version(model: type[models.Model], *, pk: Any, expected_version: int | None, what: str) -> int:
    """Move the row's version forward by one if it still is ``expected_version``; return the new version.

    Must run inside the caller's transaction (the row stays locked until it ends, and a later error rolls the claim
    back with everything else). Raises :class:`ConflictError` when the stored version differs.
    """
    rows = model._default_manager.filter(pk=pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if rows.update(version=F("version") + 1) == 1:
        return int(model._default_manager.filter(pk=pk).values_list("version", flat=True).get())
    current = model._default_manager.filter(pk=pk).values_list("version", flat=True).first()
    raise ConflictError(
        conflict_message(what, expected=expected_version, current=current),
        expected=expected_version,
        current=current,
    )
