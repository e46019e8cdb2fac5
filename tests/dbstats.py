"""How often PostgreSQL has analysed a table (imports ANALYZE what they wrote: piaops.lib.dbstats)."""

from __future__ import annotations

from django.db import connection, models


def analyze_count(model: type[models.Model]) -> int:
    """``pg_stat_user_tables.analyze_count`` of ``model``'s table, read fresh (not the transaction's snapshot)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = %s", [model._meta.db_table])
        row = cursor.fetchone()
    return int(row[0]) if row else 0
