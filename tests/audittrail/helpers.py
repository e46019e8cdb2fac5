"""Tampering helpers: what someone with direct database access could do, triggers switched off first."""

from __future__ import annotations

from django.db import connection

_SQLITE_TRIGGERS = {
    "audittrail_auditentry": ("audittrail_no_update", "audittrail_no_delete"),
    "audittrail_chainhead": ("audittrail_head_insert", "audittrail_head_forward_only", "audittrail_head_no_delete"),
}


def drop_triggers(table: str = "audittrail_auditentry") -> None:
    """Switch the append-only triggers of ``table`` off for the rest of the test (its transaction is rolled back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test's own foreign-key checks are deferred; PostgreSQL will not alter a table with pending ones.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for name in _SQLITE_TRIGGERS[table]:
                cursor.execute(f"DROP TRIGGER {name}")


def execute(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
