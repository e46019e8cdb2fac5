"""Counters that many processes add to at once (rate limits, throttles): each addition counts, none is lost.

A read-then-write (``n = get(); set(n + 1)``, which is also what Django's cache ``incr`` does on the database cache)
loses additions when two requests read the same ``n``. Here the addition is one ``UPDATE ... SET count = count + 1
RETURNING count``: PostgreSQL locks the row and the second update re-reads the first's result, and the count it
answers is the one its own addition made. The row's first addition is an ``INSERT`` under a unique constraint: of two
concurrent inserts one fails, rolls back to its savepoint and updates.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django.db import IntegrityError, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.db.models.sql import UpdateQuery

M = TypeVar("M", bound=models.Model)


def count_up(model: type[M], **key: Any) -> tuple[int, bool]:
    """Add one to ``count`` of the ``model`` row identified by ``key`` (a unique constraint of ``model``), creating
    it at 1; return the new count and whether the row was created. Atomic under concurrent callers.

    An existing row (every call but the first of a window) costs one statement and no transaction of its own."""
    rows = model._default_manager.filter(**key)
    count = _add_one(rows)
    if count is not None:
        return count, False
    try:
        with transaction.atomic():  # a savepoint inside the caller's transaction: the failed insert rolls back alone
            model._default_manager.create(**key, count=1)
        return 1, True
    except IntegrityError:  # a concurrent first addition created the row meanwhile
        count = _add_one(rows)
        if count is None:  # pragma: no cover - only if that row was deleted since: no window deletes its own row
            raise
        return count, False


def _add_one(rows: models.QuerySet[Any]) -> int | None:
    """``count + 1`` on the one row of ``rows`` and the count it now holds, or None when there is no such row.

    One ``UPDATE ... RETURNING`` statement where the database has it (PostgreSQL, SQLite ≥ 3.35): a single statement
    is atomic on its own, so it needs no transaction. Elsewhere the update and a read of the row it has just locked,
    in one transaction."""
    connection = connections[rows.db]
    if not _has_update_returning(connection):
        with transaction.atomic(using=rows.db):
            if not rows.update(count=F("count") + 1):
                return None
            found: int = rows.values_list("count", flat=True).get()
            return found
    query = cast(UpdateQuery, rows.query.chain(UpdateQuery))  # as QuerySet.update() builds its statement
    query.add_update_values({"count": F("count") + 1})
    sql, params = query.get_compiler(rows.db).as_sql()
    column = connection.ops.quote_name(rows.model._meta.get_field("count").column)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {column}", params)
        returned = cursor.fetchall()
    return int(returned[0][0]) if returned else None


def _has_update_returning(connection: BaseDatabaseWrapper) -> bool:
    """Whether the database has ``UPDATE ... RETURNING``: the versions that have ``INSERT ... RETURNING``."""
    return bool(connection.features.can_return_columns_from_insert)
