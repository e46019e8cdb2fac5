"""The trusted proxy's address beside the client's (``AuditEntry.proxy_addr``).

A plain ``ALTER TABLE ... ADD COLUMN`` on both databases: Django's AddField would rebuild the table on SQLite (a field
with a default) and silently drop the append-only triggers of migration 0003. Adding a column fires no trigger.
"""

from __future__ import annotations

from django.db import migrations, models

SQL = "ALTER TABLE audittrail_auditentry ADD COLUMN proxy_addr varchar(64) NOT NULL DEFAULT ''"
REVERSE = "ALTER TABLE audittrail_auditentry DROP COLUMN proxy_addr"


class Migration(migrations.Migration):
    dependencies = [("audittrail", "0006_alter_chainhead_options")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(SQL, REVERSE)],
            state_operations=[
                migrations.AddField(
                    model_name="auditentry",
                    name="proxy_addr",
                    field=models.CharField(blank=True, default="", max_length=64, verbose_name="経由したプロキシ"),
                )
            ],
        )
    ]
