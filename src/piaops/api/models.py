"""API tokens and their per-minute request counters.

A token is shown once at creation; only the SHA-256 of it is stored. The raw token carries 256 bits from
``secrets``, so nobody can guess it or invert the digest by trying candidates: a slow password hash (argon2) only
helps when the secret is low-entropy (a password a person chose). A fast digest keeps each API request at one
indexed lookup.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from piaops.lib.fields import GuardedCharField
from piaops.tenancy.models import TenantOwned, TenantQuerySet, User


class Scope(models.TextChoices):
    READ = "read", "読み取りのみ"
    READ_WRITE = "read-write", "読み取り・書き込み"


class ApiTokenQuerySet(TenantQuerySet):
    def visible_to(self, user: User) -> ApiTokenQuerySet:
        """The API tokens ``user`` may see and revoke: their own (not even an administrator sees another user's)."""
        if user.municipality_id is None:
            return self.none()
        return self.filter(municipality_id=user.municipality_id, user_id=user.pk)


class ApiToken(TenantOwned):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="利用者"
    )
    name = GuardedCharField("名前（用途）", max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField("権限の範囲", max_length=20, choices=Scope.choices, default=Scope.READ)
    expires_at = models.DateTimeField("有効期限", null=True, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    last_used_at = models.DateTimeField("最終利用日時", null=True, blank=True)
    revoked_at = models.DateTimeField("失効日時", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "APIトークン"
        verbose_name_plural = "APIトークン"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return str(self.name)

    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class RateWindow(models.Model):
    """Requests made with one token in one clock minute (fixed window)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "API の呼出し回数（1分ごと）"
        verbose_name_plural = "API の呼出し回数（1分ごと）"
        constraints = [models.UniqueConstraint(fields=["token", "window_start"], name="ratewindow_unique")]

    def __str__(self) -> str:
        return f"{self.token_id}@{self.window_start}: {self.count}"
