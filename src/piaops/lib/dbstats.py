"""Planner statistics after bulk writes.

A table that a bulk import has just grown has no fresh statistics until autovacuum gets to it; meanwhile the
PostgreSQL planner takes it for (nearly) empty and nests loops (training's compliance SQL then took minutes, not
0.2 s, after the demo data was loaded). Imports therefore ANALYZE the tables they wrote — when the write is large
next to what the statistics last counted: the share autovacuum itself waits for (``autovacuum_analyze_scale_factor``,
10% by default). A small import into a large table changes no plan, and its ANALYZE (a sample of 30,000 rows: about
0.3 s on 3 million training records) cost more than the import itself; autovacuum sees to the drift of many.
"""

from __future__ import annotations

from django.db import connection, models, transaction


def needs_analyze(rows: int, reltuples: float, scale_factor: float) -> bool:
    """Whether writing ``rows`` rows into a table whose statistics count ``reltuples`` (``pg_class``; negative:
    never analysed) outdates them: at least ``scale_factor`` of the rows counted (autovacuum's share)."""
    return reltuples < 0 or rows >= scale_factor * reltuples


def analyze_after_commit(*tables: type[models.Model], rows: int | None = None) -> None:
    """ANALYZE the tables of ``tables`` (models) once the current transaction commits; PostgreSQL only.

    ``rows``: how many rows the caller wrote into each table (at most); a table is then analysed only when that
    outdates its statistics (:func:`needs_analyze`). Without it every table is analysed.

    Outside a transaction this runs at once; if the transaction rolls back nothing runs. A no-op on SQLite,
    whose planner does not rely on such statistics here.
    """
    if connection.vendor != "postgresql" or not tables:
        return
    names = list(dict.fromkeys(model._meta.db_table for model in tables))

    def analyze() -> None:
        with connection.cursor() as cursor:
            chosen = names
            if rows is not None:
                cursor.execute(
                    "SELECT c.relname, c.reltuples, current_setting('autovacuum_analyze_scale_factor')::float8 "
                    "FROM pg_class c WHERE c.oid = ANY(%s::regclass[])",
                    [[connection.ops.quote_name(n) for n in names]],
                )
                stale = {name for name, tuples, share in cursor.fetchall() if needs_analyze(rows, tuples, share)}
                chosen = [n for n in names if n in stale]
            if chosen:
                cursor.execute(f"ANALYZE {', '.join(connection.ops.quote_name(n) for n in chosen)}")

    transaction.on_commit(analyze)
