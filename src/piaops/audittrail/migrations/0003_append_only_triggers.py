"""Database triggers that make the audit trail append-only on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.db import migrations

MESSAGE = "監査証跡は追記のみです。変更・削除はできません。"

SQLITE = [
    f"""CREATE TRIGGER audittrail_no_update BEFORE UPDATE ON audittrail_auditentry
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER audittrail_no_delete BEFORE DELETE ON audittrail_auditentry
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER audittrail_no_update;", "DROP TRIGGER audittrail_no_delete;"]

POSTGRES = [
    f"""CREATE FUNCTION audittrail_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$;""",
    """CREATE TRIGGER audittrail_no_change BEFORE UPDATE OR DELETE ON audittrail_auditentry
        FOR EACH ROW EXECUTE FUNCTION audittrail_refuse_change();""",
    """CREATE TRIGGER audittrail_no_truncate BEFORE TRUNCATE ON audittrail_auditentry
        FOR EACH STATEMENT EXECUTE FUNCTION audittrail_refuse_change();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER audittrail_no_truncate ON audittrail_auditentry;",
    "DROP TRIGGER audittrail_no_change ON audittrail_auditentry;",
    "DROP FUNCTION audittrail_refuse_change();",
]


def _run(statements_by_vendor: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audittrail", "0002_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
