"""Calendar feed tokens: create (revoking the user's previous one), revoke, look up. Every change is audited.

The audit entries leave out the digest: it is not a secret one could use, but it is of no use to a reader either.
"""

from __future__ import annotations

from django.db import transaction

from piaops.audittrail.models import Action
from piaops.audittrail.services import record, revoke, snapshot
from piaops.calendarfeed.models import CalendarToken
from piaops.lib.tokens import digest_of, new_token
from piaops.tenancy.access import municipality_of
from piaops.tenancy.models import User

TOKEN_PREFIX = "piacal_"


@transaction.atomic
def token_create(*, user: User) -> tuple[CalendarToken, str]:
    """A new feed token for ``user``; any usable one they had is revoked first (one feed URL per user).

    Returns the token and the raw value, which is never stored and cannot be shown again.
    """
    for old in CalendarToken.objects.filter(user=user, revoked_at__isnull=True):
        token_revoke(token=old)
    raw = new_token(TOKEN_PREFIX)
    token = CalendarToken.objects.create(municipality=municipality_of(user), user=user, digest=digest_of(raw))
    record(
        action=Action.CREATE,
        municipality_id=token.municipality_id,
        obj=token,
        after=snapshot(token, exclude=("digest",)),
        summary="カレンダー配信トークンを作成",
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: CalendarToken) -> CalendarToken:
    """Revoke ``token`` (idempotent: a revoked token keeps its first revocation time)."""
    revoke(token, summary="カレンダー配信トークンを失効")
    return token


def token_lookup(raw: str) -> CalendarToken | None:
    """The usable token for ``raw`` (not revoked, user active and still of the token's municipality), or None."""
    token: CalendarToken | None = (
        CalendarToken.objects.select_related("user").filter(digest=digest_of(raw), revoked_at__isnull=True).first()
    )
    if token is None or not token.user.is_active or token.user.municipality_id != token.municipality_id:
        return None
    return token
