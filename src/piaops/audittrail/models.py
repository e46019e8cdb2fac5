"""The audit trail: append-only, SHA-256 chained per municipality.

Database triggers refuse UPDATE and DELETE on this table (SQLite and PostgreSQL; migration 0003) and let a chain
head only move forward one entry at a time (migration 0004), so the application cannot edit history; the chain
lets ``piaops audit-log verify`` detect edits made around it (with the triggers dropped, or on a restored copy).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from piaops.lib.fields import GuardedCharField


class Action(models.TextChoices):
    CREATE = "create", "作成"
    UPDATE = "update", "更新"
    DELETE = "delete", "削除"
    TRANSITION = "transition", "状態遷移"
    IMPORT = "import", "取込"
    EXPORT = "export", "出力"
    LOGIN = "login", "ログイン"
    LOGIN_FAILED = "login_failed", "ログイン失敗"
    LOGOUT = "logout", "ログアウト"


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def for_municipality(self, municipality: Any) -> AuditEntryQuerySet:
        return self.filter(municipality=municipality)

    def chain(self, municipality_id: int | None) -> AuditEntryQuerySet:
        if municipality_id is None:
            return self.filter(municipality__isnull=True).order_by("seq")
        return self.filter(municipality_id=municipality_id).order_by("seq")


class AuditEntry(models.Model):
    """One recorded event. ``seq`` numbers the entries of one municipality's chain (system events: null chain)."""

    municipality = models.ForeignKey(
        "tenancy.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="団体"
    )
    seq = models.PositiveBigIntegerField("連番")
    at = models.DateTimeField("日時")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="実行者",
    )
    actor_name = GuardedCharField("実行者名", max_length=150, blank=True, default="")
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    object_type = models.CharField("対象の種類", max_length=100, blank=True, default="")
    object_id = models.CharField("対象ID", max_length=64, blank=True, default="")
    object_repr = GuardedCharField("対象", max_length=300, blank=True, default="")
    summary = GuardedCharField("内容", max_length=300, blank=True, default="")
    before = models.JSONField("変更前", null=True, blank=True)
    after = models.JSONField("変更後", null=True, blank=True)
    remote_addr = models.CharField("接続元", max_length=64, blank=True, default="")
    # Behind a trusted reverse proxy: the proxy's address (``remote_addr`` is then the client it forwarded).
    proxy_addr = models.CharField("経由したプロキシ", max_length=64, blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # The canonical JSON text that ``hash`` is the SHA-256 of (services._entry_payload), stored as written so that
    # PostgreSQL can verify a chain in one statement (its sha256() over these bytes; whether every field equals them
    # is the generated column ``fields_ok``, PostgreSQL only and not declared here: migration 0009). Empty on entries
    # written before it existed: their chain is verified in Python.
    canonical = models.TextField(blank=True, default="")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "監査証跡"
        verbose_name_plural = "監査証跡"
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "seq"], name="auditentry_chain_seq")]
        indexes = [models.Index(fields=["municipality", "object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.seq} {self.action} {self.object_repr}"


class ChainHead(models.Model):
    """The last entry of each chain, locked (SELECT … FOR UPDATE) while appending so that chains never fork.

    ``municipality_id`` 0 is the chain of system events with no municipality.
    """

    municipality_id = models.BigIntegerField(primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "監査証跡の連鎖の末尾"
        verbose_name_plural = "監査証跡の連鎖の末尾"

    def __str__(self) -> str:
        return f"chain {self.municipality_id} @ {self.seq}"
