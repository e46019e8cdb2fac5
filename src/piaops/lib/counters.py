"""Counters that many processes add to at once (rate limits, throttles): each addition counts, none is lost.

A read-then-write (``n = get(); set(n + 1)``, which is also what Django's cache ``incr`` does on the database cache)
loses additions when two requests read the same ``n``. Here the addition is one ``UPDATE ... SET count = count + 1``:
PostgreSQL locks the row and the second update re-reads the first's result. The row's first addition is an
``INSERT`` under a unique constraint: of two concurrent inserts one fails, rolls back to its savepoint and updates.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.db.models import F

M = TypeVar("M", bound=models.Model)


def count_up(model: type[M], **key: Any) -> tuple[int, bool]:
    """Add one to ``count`` of the ``model`` row identified by ``key`` (a unique constraint of ``model``), creating
    it at 1; return the new count and whether the row was created. Atomic under concurrent callers."""
    rows = model._default_manager.filter(**key)
    with transaction.atomic():
        created = False
        if not rows.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    model._default_manager.create(**key, count=1)
                created = True
            except IntegrityError:  # a concurrent first addition created the row meanwhile
                rows.update(count=F("count") + 1)
        # The row is locked by this transaction's update or insert: no one else has changed it since.
        count: int = rows.values_list("count", flat=True).get()
    return count, created
