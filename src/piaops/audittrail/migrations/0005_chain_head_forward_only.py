"""Chain heads may only move forward, one entry at a time, and cannot be deleted (SQLite and PostgreSQL).

Without this, deleting the last entries of a chain and rewinding its head would go unnoticed by
``piaops audit-log verify``.
"""

from __future__ import annotations

from django.db import migrations

from piaops.lib.vendorsql import vendor_sql

MESSAGE = "監査証跡の管理情報は変更・削除できません。"
GENESIS = "0" * 64

SQLITE = [
    f"""CREATE TRIGGER audittrail_head_insert BEFORE INSERT ON audittrail_chainhead
        WHEN NEW.seq <> 0 OR NEW.hash <> '{GENESIS}'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER audittrail_head_forward_only BEFORE UPDATE ON audittrail_chainhead
        WHEN NEW.seq <> OLD.seq + 1 OR NEW.municipality_id <> OLD.municipality_id
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER audittrail_head_no_delete BEFORE DELETE ON audittrail_chainhead
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER audittrail_head_insert;",
    "DROP TRIGGER audittrail_head_forward_only;",
    "DROP TRIGGER audittrail_head_no_delete;",
]

POSTGRES = [
    f"""CREATE FUNCTION audittrail_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' AND NEW.seq = 0 AND NEW.hash = '{GENESIS}' THEN RETURN NEW; END IF;
          IF TG_OP = 'UPDATE' AND NEW.seq = OLD.seq + 1 AND NEW.municipality_id = OLD.municipality_id THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION '{MESSAGE}';
        END; $$;""",
    """CREATE TRIGGER audittrail_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audittrail_chainhead
        FOR EACH ROW EXECUTE FUNCTION audittrail_head_guard();""",
    """CREATE TRIGGER audittrail_head_no_truncate BEFORE TRUNCATE ON audittrail_chainhead
        FOR EACH STATEMENT EXECUTE FUNCTION audittrail_head_guard();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER audittrail_head_no_truncate ON audittrail_chainhead;",
    "DROP TRIGGER audittrail_head_guard ON audittrail_chainhead;",
    "DROP FUNCTION audittrail_head_guard();",
]


class Migration(migrations.Migration):
    dependencies = [("audittrail", "0004_guarded_text")]

    operations = [
        vendor_sql(
            {"sqlite": SQLITE, "postgresql": POSTGRES}, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}
        )
    ]
