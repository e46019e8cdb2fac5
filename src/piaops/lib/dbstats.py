"""Planner statistics after bulk writes.

A table that a bulk import has just grown has no fresh statistics until autovacuum gets to it; meanwhile the
PostgreSQL planner takes it for (nearly) empty and nests loops (training's compliance SQL then took minutes, not
0.2 s, after the demo data was loaded). Imports therefore ANALYZE the tables they wrote.
"""

from __future__ import annotations

from django.db import connection, models, transaction


def analyze_after_commit(*tables: type[models.Model]) -> None:
    """ANALYZE the tables of ``tables`` (models) once the current transaction commits; PostgreSQL only.

    Outside a transaction this runs at once; if the transaction rolls back nothing runs. A no-op on SQLite,
    whose planner does not rely on such statistics here.
    """
    if connection.vendor != "postgresql" or not tables:
        return
    names = ", ".join(dict.fromkeys(connection.ops.quote_name(model._meta.db_table) for model in tables))

    def analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {names}")

    transaction.on_commit(analyze)
