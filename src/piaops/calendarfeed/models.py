"""A user's calendar feed token: the credential in the feed URL (``/calendar/<token>.ics``).

Like the API tokens (``piaops.api``), the raw token is shown once and only its SHA-256 is stored
(``piaops.lib.tokens``). A user has at most one usable token: making a new one revokes the old (the URL changes).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from piaops.tenancy.models import TenantOwned, TenantQuerySet, User


class CalendarTokenQuerySet(TenantQuerySet):
    def visible_to(self, user: User) -> CalendarTokenQuerySet:
        """The calendar feed tokens ``user`` may see and revoke: their own (not even an administrator sees
        another user's)."""
        if user.municipality_id is None:
            return self.none()
        return self.filter(municipality_id=user.municipality_id, user_id=user.pk)


class CalendarToken(TenantOwned):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens", verbose_name="利用者"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    last_used_at = models.DateTimeField("最終取得日時", null=True, blank=True)
    revoked_at = models.DateTimeField("失効日時", null=True, blank=True)

    objects = CalendarTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "カレンダー配信トークン"
        verbose_name_plural = "カレンダー配信トークン"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"カレンダー配信（{self.user}）"
