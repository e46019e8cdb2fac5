"""Token lifecycle and the per-token rate limit. Every change is in the audit trail."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from piaops.api.models import ApiToken, RateWindow, Scope
from piaops.audittrail.services import record_create, revoke
from piaops.lib.counters import count_up
from piaops.lib.tokens import digest_of, new_token
from piaops.tenancy.access import municipality_of
from piaops.tenancy.models import User

TOKEN_PREFIX = "piaops_"


@transaction.atomic
def token_create(
    *, user: User, name: str, scope: str = Scope.READ, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns it with the raw token, which is never stored and cannot be shown again."""
    raw = new_token(TOKEN_PREFIX)  # 256 bits of randomness
    token = ApiToken(
        municipality=municipality_of(user),
        user=user,
        name=name,
        scope=scope,
        expires_at=expires_at,
        digest=digest_of(raw),
    )
    token.full_clean()
    token.save()
    record_create(token, municipality_id=token.municipality_id, summary="APIトークンを作成")
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke ``token`` (idempotent: a revoked token stays revoked at its first time)."""
    revoke(token, summary="APIトークンを失効")
    return token


def token_lookup(raw: str) -> ApiToken | None:
    """The usable token for ``raw`` (not revoked, not expired, user active), or None."""
    token: ApiToken | None = (
        ApiToken.objects.select_related("user", "user__municipality").filter(digest=digest_of(raw)).first()
    )
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    if token.user.municipality_id != token.municipality_id:
        return None
    return token


def rate_limit_per_minute() -> int:
    return int(getattr(settings, "PIAOPS_API_RATE_LIMIT_PER_MINUTE", 120))


# ``last_used_at`` is written at most once a minute per token: a read request then writes only its rate-limit count.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def rate_hit(token: ApiToken, *, now: dt.datetime | None = None) -> int | None:
    """Count one request in the token's current minute; None when allowed, else seconds until the next window.

    The count is exact (one atomic ``count + 1`` per request, see ``piaops.lib.counters``): one statement, two or
    three in the first request of a minute. Also stamps ``last_used_at``, accurate to a minute: it is written only
    when the value ``token`` was read with is empty or at least ``LAST_USED_RESOLUTION`` old.
    """
    now = now or timezone.now()
    window = now.replace(second=0, microsecond=0)
    count, created = count_up(RateWindow, token=token, window_start=window)
    if created:  # old windows are of no use: drop them once a minute per token
        RateWindow.objects.filter(token=token, window_start__lt=window).delete()
    _stamp_last_used(token, now)
    if count > rate_limit_per_minute():
        return max(1, math.ceil(60 - (now - window).total_seconds()))
    return None


def _stamp_last_used(token: ApiToken, now: dt.datetime) -> None:
    """Set ``last_used_at`` to ``now`` unless ``token`` (as read for this request) was used within the minute."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
    # The condition again in the UPDATE: of concurrent requests that all read a stale value, a later one does not
    # move the stamp back by a few milliseconds to an earlier one's ``now``.
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
