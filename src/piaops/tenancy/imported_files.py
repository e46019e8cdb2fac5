"""The same file is imported once: every importer records the SHA-256 of what it wrote (``ImportedFile``).

An importer calls :func:`refuse_if_imported` while validating (so a preview already says so) and :func:`claim` as
the first write of its transaction. The claim is part of that transaction: a killed or failed import leaves no
claim behind, and of two imports of the same file racing each other the second waits on the unique index, then
is refused with the first one's date.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from piaops.audittrail.context import current_actor
from piaops.tenancy.models import ImportedFile

Kind = ImportedFile.Kind

__all__ = ["AlreadyImported", "Kind", "claim", "files_sha256", "refuse_if_imported"]


class AlreadyImported(Exception):
    """The file was imported before; ``str()`` is the Japanese sentence for the user."""

    def __init__(self, existing: ImportedFile, *, several: bool = False) -> None:
        day = timezone.localtime(existing.imported_at).date()
        what = "これらのファイル" if several else "このファイル"
        super().__init__(
            f"{what}は {day.year}年{day.month}月{day.day}日 に取り込み済みです"
            f"（{existing.file_name}、{existing.rows:,}件）。同じファイルを二度取り込むことはできません。"
        )
        self.existing = existing


def files_sha256(contents: Iterable[bytes]) -> str:
    """The key of an import: the SHA-256 of its one file, or for several files (people: units and staff) the
    SHA-256 of their sorted SHA-256s, so the same pair in either order is the same import."""
    digests = sorted(hashlib.sha256(c).hexdigest() for c in contents)
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()


def _existing(municipality_id: int, kind: str, sha256: str) -> ImportedFile | None:
    return ImportedFile.objects.filter(municipality_id=municipality_id, kind=kind, sha256=sha256).first()


def refuse_if_imported(*, municipality_id: int, kind: str, sha256: str, several: bool = False) -> None:
    """Raise :class:`AlreadyImported` when ``municipality_id`` has imported these bytes for ``kind``."""
    existing = _existing(municipality_id, kind, sha256)
    if existing is not None:
        raise AlreadyImported(existing, several=several)


def claim(
    *, municipality_id: int, kind: str, sha256: str, file_name: str, rows: int, several: bool = False
) -> ImportedFile:
    """Record the import of these bytes inside the caller's transaction; :class:`AlreadyImported` if another
    import (committed, or committing meanwhile) has them."""
    user = current_actor().user
    try:
        with transaction.atomic():
            return ImportedFile.objects.create(
                municipality_id=municipality_id,
                kind=kind,
                sha256=sha256,
                file_name=file_name[-255:],
                rows=rows,
                imported_by=user if getattr(user, "pk", None) else None,
            )
    except IntegrityError:
        existing = _existing(municipality_id, kind, sha256)
        if existing is None:  # the other import rolled back after all: a genuine integrity problem
            raise
        raise AlreadyImported(existing, several=several) from None
