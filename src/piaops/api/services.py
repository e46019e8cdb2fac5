"""Token lifecycle and the per-token rate limit. Every change is in the audit trail."""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from piaops.api.models import ApiToken, RateWindow, Scope
from piaops.audittrail.services import record_create, revoke
from piaops.lib.counters import count_up
from piaops.lib.tokens import digest_of, new_token
from piaops.tenancy.access import municipality_of, remember_grants
from piaops.tenancy.models import Municipality, OrgUnit, RoleGrant, User
from piaops.tenancy.rls import SETTING

TOKEN_PREFIX = "piaops_"
M = TypeVar("M", bound=models.Model)


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


def token_use(raw: str, *, now: dt.datetime | None = None) -> tuple[ApiToken, int | None] | None:
    """What an API request does with its bearer token: the usable token for ``raw`` (as ``token_lookup``, with its
    user and municipality) with the request counted in the token's minute (as ``rate_hit``) — ``(token, None)``
    when allowed, ``(token, seconds until the next window)`` when over the limit. None, with nothing counted, for
    no usable token.

    On PostgreSQL all of it is one statement (``_token_use_sql``), which also sets row-level security to the
    token's municipality (``piaops.tenancy.rls``; the middleware resets it after the request) and reads the user's
    role grants (``access.grants`` then has them). Elsewhere (no row-level security) ``token_lookup`` then
    ``rate_hit``.
    """
    now = now or timezone.now()
    if connection.vendor != "postgresql":
        token = token_lookup(raw)
        if token is None:
            return None
        return token, rate_hit(token, now=now)
    window = now.replace(second=0, microsecond=0)
    params: dict[str, Any] = {
        "digest": digest_of(raw),
        "now": now,
        "window": window,
        "stale": now - LAST_USED_RESOLUTION,
        "setting": SETTING,
    }
    with connection.cursor() as cursor:
        cursor.execute(_token_use_sql(), params)
        rows = cursor.fetchall()
    if not rows:
        return None
    values = list(rows[0])
    token = _take(values, ApiToken)
    user = _take(values, User)
    user.municipality = _take(values, Municipality)
    token.user = user
    count, stamped = values[0], values[1]
    found = []
    for row in rows:
        values = list(row[-len(_columns(RoleGrant)) - len(_columns(OrgUnit)) :])  # the grant's and its unit's
        grant, unit = _take(values, RoleGrant), _take(values, OrgUnit)
        if grant.pk is not None:  # a user without grants: one row, NULL here
            RoleGrant._meta.get_field("unit").set_cached_value(grant, unit if unit.pk is not None else None)
            found.append(grant)
    remember_grants(user, found)
    if stamped:
        token.last_used_at = now
    if count > rate_limit_per_minute():
        return token, max(1, math.ceil(60 - (now - window).total_seconds()))
    return token, None


def _columns(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


@functools.cache
def _converters(model: type[models.Model]) -> list[tuple[int, Any, list[Any]]]:
    """The columns of ``model`` whose value the database converters change (as the ORM applies them to a row)."""
    found = []
    for i, field in enumerate(model._meta.concrete_fields):
        col = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if converters:
            found.append((i, col, converters))
    return found


def _take(values: list[Any], model: type[M]) -> M:
    """A ``model`` instance of the first columns of ``values`` (all of its concrete fields), taken off the list."""
    names = _columns(model)
    row = values[: len(names)]
    del values[: len(names)]
    for i, col, converters in _converters(model):
        for converter in converters:
            row[i] = converter(row[i], col, connection)
    return model.from_db(connection.alias, names, row)


@functools.cache
def _token_use_sql() -> str:
    """``token_use`` on PostgreSQL, one statement: ``tok`` finds the usable token with its user and municipality
    (the conditions of ``token_lookup``), ``hit`` adds one to its minute's count (an upsert: atomic under concurrent
    requests, as ``count_up``), ``used`` stamps ``last_used_at`` when empty or a minute old (as ``_stamp_last_used``),
    ``old`` drops the token's past windows, and the answer sets the tenant (``set_config``, as ``set_municipality``)
    with one row per role grant of the user (with its unit, as ``access.grants``; one row of NULLs for none). Grants
    and units are those of the token's municipality, as row-level security would show them once set.
    No usable token: no row, so nothing is counted, written or set."""
    q = connection.ops.quote_name

    def col(model: type[models.Model], name: str) -> str:
        return q(cast("models.Field[Any, Any]", model._meta.get_field(name)).column)

    def select(model: type[models.Model], alias: str) -> str:
        """Every column of ``model`` (as ``alias``), named ``{alias}_{column}`` in ``tok``."""
        return ", ".join(f"{alias}.{q(f.column)} AS {q(f'{alias}_{f.column}')}" for f in model._meta.concrete_fields)

    token, user, municipality, window = (q(m._meta.db_table) for m in (ApiToken, User, Municipality, RateWindow))
    t_id = q(f"t_{ApiToken._meta.get_field('id').column}")
    t_municipality = q(f"t_{ApiToken._meta.get_field('municipality').column}")
    u_id = q(f"u_{User._meta.pk.column}")
    w_token, w_start, w_count = col(RateWindow, "token"), col(RateWindow, "window_start"), col(RateWindow, "count")
    last_used = col(ApiToken, "last_used_at")
    return f"""
WITH tok AS (
    SELECT {select(ApiToken, "t")}, {select(User, "u")}, {select(Municipality, "m")}
    FROM {token} t
    JOIN {user} u ON u.{q(User._meta.pk.column)} = t.{col(ApiToken, "user")}
    JOIN {municipality} m ON m.{q(Municipality._meta.pk.column)} = u.{col(User, "municipality")}
    WHERE t.{col(ApiToken, "digest")} = %(digest)s AND t.{col(ApiToken, "revoked_at")} IS NULL
      AND (t.{col(ApiToken, "expires_at")} IS NULL OR t.{col(ApiToken, "expires_at")} > %(now)s)
      AND u.{col(User, "is_active")} AND u.{col(User, "municipality")} = t.{col(ApiToken, "municipality")}
), hit AS (
    INSERT INTO {window} ({w_token}, {w_start}, {w_count}) SELECT tok.{t_id}, %(window)s, 1 FROM tok
    ON CONFLICT ({w_token}, {w_start}) DO UPDATE SET {w_count} = {window}.{w_count} + 1
    RETURNING {w_count}
), used AS (
    UPDATE {token} SET {last_used} = %(now)s FROM tok
    WHERE {token}.{q(ApiToken._meta.pk.column)} = tok.{t_id}
      AND ({token}.{last_used} IS NULL OR {token}.{last_used} <= %(stale)s)
    RETURNING 1
), old AS (
    DELETE FROM {window} WHERE {w_token} IN (SELECT tok.{t_id} FROM tok) AND {w_start} < %(window)s
)
SELECT tok.*, (SELECT {w_count} FROM hit), EXISTS (SELECT 1 FROM used),
    set_config(%(setting)s, tok.{t_municipality}::text, false), {select(RoleGrant, "g")}, {select(OrgUnit, "o")}
FROM tok
LEFT JOIN {q(RoleGrant._meta.db_table)} g
    ON g.{col(RoleGrant, "user")} = tok.{u_id} AND g.{col(RoleGrant, "municipality")} = tok.{t_municipality}
LEFT JOIN {q(OrgUnit._meta.db_table)} o
    ON o.{q(OrgUnit._meta.pk.column)} = g.{col(RoleGrant, "unit")}
    AND o.{col(OrgUnit, "municipality")} = tok.{t_municipality}
ORDER BY g.{q(RoleGrant._meta.pk.column)}"""
