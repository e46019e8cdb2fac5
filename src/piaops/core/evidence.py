"""Evidence files shared by the domain apps: one abstract shape for every evidence file, one way to store an upload.

Self-inspection evidence (``selfcheck.Evidence``), audit working-paper evidence (``audits.AuditEvidence``) and
third-party evidence (``assurance.Evidence``) are the same thing — a received file kept byte for byte with its
SHA-256 and size — so they share :class:`StoredFile` (and :class:`EvidenceFile`, which adds the uploader), and are
stored by :func:`store_file`: size limit, the My Number scan of :mod:`piaops.lib.filescan`, hash, file and row, one
audit-trail entry, all or nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar, cast

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.text import get_valid_filename

from piaops.lib.fields import GuardedCharField
from piaops.lib.filescan import FileRefused, ScanResult, scan
from piaops.tenancy.models import TenantOwned


class StoredFile(TenantOwned):
    """A received file: the bytes (each subclass declares ``file`` with its own ``upload_to``), SHA-256 and size.

    ``display_name_field`` names the field holding the name the user gave the file (shown in lists and reports).
    """

    display_name_field: ClassVar[str] = "name"

    file = models.FileField(max_length=300)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveBigIntegerField("サイズ")

    class Meta:
        abstract = True


class EvidenceFile(StoredFile):
    """A :class:`StoredFile` with its name, upload time and uploader (self-inspection and audit evidence)."""

    name = GuardedCharField("ファイル名", max_length=255)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return cast("str", self.name)


def too_large(name: str, size: int | None) -> ValidationError | None:
    """The Japanese refusal for a file over ``PIAOPS_MAX_UPLOAD_BYTES`` (``None`` when it fits)."""
    limit: int = settings.PIAOPS_MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        return ValidationError(
            f"ファイル「{name}」は大きすぎます（上限 {limit // (1024 * 1024)} MB）。", code="too_large"
        )
    return None


def scan_upload(name: str, data: bytes) -> ScanResult:
    """:func:`piaops.lib.filescan.scan` with the refusal as a ``ValidationError`` (what forms, views and the API
    show). For import services that read the file themselves: call it before parsing."""
    error = too_large(name, len(data))
    if error is not None:
        raise error
    try:
        return scan(name, data)
    except FileRefused as exc:
        raise ValidationError(str(exc), code=exc.code) from exc


def safe_storage_name(name: str, *, fallback: str = "file") -> str:
    """The last part of ``name`` (at most 100 characters) as the storage will keep it, or ``fallback`` when nothing
    of it is usable. The API takes any file name (" ", "..", "a/"), and the storage raises
    ``SuspiciousFileOperation`` (a 500) for one it cannot derive a name from; the name as sent is kept elsewhere."""
    try:
        return get_valid_filename(name.replace("\\", "/").rsplit("/", 1)[-1][-100:])
    except SuspiciousFileOperation:
        return fallback


def store_file(
    *,
    instance: StoredFile,
    name: str,
    data: bytes,
    summary: str,
    full_clean: bool = False,
) -> StoredFile:
    """Store ``data`` as ``instance``'s file and save the row, with one CREATE entry in the audit trail.

    ``instance`` is unsaved, with every field but the file's set by the caller (owner, tenant, uploader, dates).
    Refused with a ``ValidationError`` and nothing saved when the file is too large, holds a 個人番号 candidate or
    cannot be read (see :mod:`piaops.lib.filescan`); an image or a PDF page without text is stored with the scan's
    note in the audit entry. The storage gets :func:`safe_storage_name` of ``name``.
    """
    from piaops.audittrail.models import Action
    from piaops.audittrail.services import record, snapshot

    result = scan_upload(name, data)
    instance.sha256 = hashlib.sha256(data).hexdigest()
    instance.size = len(data)
    setattr(instance, instance.display_name_field, name[-255:])
    with transaction.atomic():
        instance.file.save(safe_storage_name(name), ContentFile(data), save=False)
        if full_clean:
            instance.full_clean()
        instance.save()
        after: dict[str, Any] = snapshot(instance)
        if result.note:
            after["scan_note"] = result.note
        record(
            action=Action.CREATE, municipality_id=instance.municipality_id, obj=instance, after=after, summary=summary
        )
    return instance
