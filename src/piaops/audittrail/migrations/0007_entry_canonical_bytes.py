"""Each entry's canonical bytes (what its hash is the SHA-256 of), so that PostgreSQL can verify a chain itself.

Plain ``ALTER TABLE … ADD COLUMN`` on both databases: Django's AddField would rebuild the table on SQLite (a NOT
NULL column with a default) and silently drop the append-only triggers of migration 0003. Entries written before
keep an empty text (the append-only trail cannot be back-filled): their chains are verified in Python.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audittrail", "0006_alter_chainhead_options")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE audittrail_auditentry ADD COLUMN canonical text NOT NULL DEFAULT ''",
                    "ALTER TABLE audittrail_auditentry DROP COLUMN canonical",
                )
            ],
            state_operations=[
                migrations.AddField(
                    model_name="auditentry",
                    name="canonical",
                    field=models.TextField(blank=True, default=""),
                )
            ],
        )
    ]
