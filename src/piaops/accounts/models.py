"""Second factor (TOTP) devices, recovery codes, failed log-ins per user name (for the lockout) and per network
address (for the per-IP throttle)."""

from __future__ import annotations

from django.db import models

from piaops.tenancy.models import User


class OtpDevice(models.Model):
    """A user's TOTP authenticator. ``confirmed_at`` is set once the user has typed a first valid code.

    ``secret`` is a generated base32 key, never text a person typed, hence a plain CharField. ``last_step`` is the
    30-second time step of the last accepted code: a code is accepted once (no replay within its window).
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="otp_device", verbose_name="利用者")
    secret = models.CharField("秘密鍵", max_length=64)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    confirmed_at = models.DateTimeField("登録完了日時", null=True, blank=True)
    last_step = models.BigIntegerField("最後に使われた時間ステップ", default=0)

    class Meta:
        verbose_name = "二要素認証の端末"
        verbose_name_plural = "二要素認証の端末"

    def __str__(self) -> str:
        return f"TOTP({self.user_id})"


class RecoveryCode(models.Model):
    """A one-time recovery code, stored as its SHA-256.

    The codes carry about 50 random bits and are tried only after a correct password, so no salt is needed.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes", verbose_name="利用者")
    code_hash = models.CharField("ハッシュ", max_length=64)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    used_at = models.DateTimeField("使用日時", null=True, blank=True)

    class Meta:
        verbose_name = "リカバリーコード"
        verbose_name_plural = "リカバリーコード"
        indexes = [models.Index(fields=["user", "code_hash"])]

    def __str__(self) -> str:
        return f"recovery({self.user_id})"


class LoginFailure(models.Model):
    """One failed password log-in for a user name (existing or not: the lockout must not reveal which)."""

    username = models.CharField("ユーザー名", max_length=150)
    at = models.DateTimeField("日時", db_index=True)

    class Meta:
        verbose_name = "ログイン失敗"
        verbose_name_plural = "ログイン失敗"
        indexes = [models.Index(fields=["username", "at"])]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M:%S}"


class IpFailureWindow(models.Model):
    """Failures from one network address in one fixed time window (``piaops.accounts.throttle``).

    ``scope`` is "login" (the log-in pages) or "api" (unauthenticated API requests). The count is only ever added to
    with ``piaops.lib.counters.count_up`` (an atomic ``count = count + 1``); past windows are deleted.
    """

    scope = models.CharField("対象", max_length=8, choices=[("login", "ログイン"), ("api", "API")])
    addr = models.CharField("接続元", max_length=64)
    window_start = models.DateTimeField("期間の開始", db_index=True)
    count = models.PositiveIntegerField("失敗回数", default=0)

    class Meta:
        verbose_name = "接続元ごとの認証失敗"
        verbose_name_plural = "接続元ごとの認証失敗"
        constraints = [models.UniqueConstraint(fields=["scope", "addr", "window_start"], name="ipfailurewindow_unique")]

    def __str__(self) -> str:
        return f"{self.scope} {self.addr}@{self.window_start}: {self.count}"
