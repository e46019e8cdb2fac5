"""Core tables: :class:`SentReminder`, the ledger of ``piaops remind`` (next to :mod:`piaops.core.reminders`)."""

from __future__ import annotations

from django.db import models

from piaops.lib.fields import GuardedCharField, GuardedTextField
from piaops.tenancy.models import TenantOwned, TenantQuerySet


class SentReminder(TenantOwned):
    """One reminder key that ``piaops remind`` has delivered (so it is never sent twice).

    A row is written only after the mail server accepted the message (or when there is nobody to mail), so a
    server that is down leaves no row and the next run sends it.
    """

    key = models.CharField(max_length=200)
    sent_at = models.DateTimeField()
    recipients = GuardedTextField("宛先", blank=True, default="")
    subject = GuardedCharField("件名", max_length=300, blank=True, default="")

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "送信済みリマインダー"
        verbose_name_plural = "送信済みリマインダー"
        # The table (and its indexes) keep the name they got when this model lived in ``findings`` (its migration
        # 0003 and core's 0001 moved only Django's idea of the model, not a row): renaming them would gain nothing.
        db_table = "findings_sentreminder"
        constraints = [models.UniqueConstraint(fields=["key"], name="sentreminder_key_unique")]

    def __str__(self) -> str:
        return self.key


class StoredFile(models.Model):
    """A file of :class:`piaops.core.storage.DatabaseStorage` (``PIAOPS_FILE_STORAGE=database``): its name as the
    storage knows it, and its size; the bytes are in :class:`StoredChunk` rows, so no row holds a whole big file.

    Not tenant-owned: it is storage below the models (an evidence row of a municipality names its file), and it is
    reached only through those rows' views, which check the tenant first.
    """

    name = models.CharField(max_length=400, unique=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "保存ファイル"
        verbose_name_plural = "保存ファイル"

    def __str__(self) -> str:
        return self.name


class StoredChunk(models.Model):
    """One piece (``piaops.core.storage.CHUNK_BYTES`` at most) of a :class:`StoredFile`, in order of ``index``."""

    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["file", "index"], name="storedchunk_file_index_unique")]
        verbose_name = "保存ファイルの断片"
        verbose_name_plural = "保存ファイルの断片"

    def __str__(self) -> str:
        return f"{self.file_id}#{self.index}"
