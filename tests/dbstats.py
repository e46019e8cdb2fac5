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


def count_now(*models: type[models.Model]) -> None:
    """ANALYZE ``models``' tables, so their statistics count what they hold now (an import analyses a table only
    when it outdates the count: piaops.lib.dbstats.needs_analyze; an earlier test may have left a larger one)."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def pretend_counted(model: type[models.Model], rows: int) -> None:
    """Make the statistics of ``model``'s table count ``rows`` rows, in the test's transaction (rolled back)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pg_class SET reltuples = %s WHERE oid = %s::regclass", [rows, model._meta.db_table])
