"""Database triggers that make the audit trail append-only on SQLite and PostgreSQL."""

from __future__ import annotations

from django.db import migrations

from piaops.lib.vendorsql import vendor_sql

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


class Migration(migrations.Migration):
    dependencies = [("audittrail", "0002_initial")]

    operations = [
        vendor_sql(
            {"sqlite": SQLITE, "postgresql": POSTGRES}, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}
        )
    ]
