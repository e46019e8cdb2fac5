"""PostgreSQL row-level security on every tenant-owned table that exists now (no-op on SQLite).

Tables are found from the migration state's models (a ``municipality`` foreign key to the municipality), so this
needs no list; tables created by later migrations get theirs from the ``post_migrate`` hook (piaops.tenancy.rls).
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from piaops.tenancy.rls import apply_policies, tenant_tables

    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        existing = set(conn.introspection.table_names())
        apply_policies(conn, [t for t in tenant_tables(apps) if t in existing])


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from piaops.tenancy.rls import remove_policies, tenant_tables

    remove_policies(schema_editor.connection, tenant_tables(apps))


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0003_importedfile")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
