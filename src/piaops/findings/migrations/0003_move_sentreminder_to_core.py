"""SentReminder now lives in ``core`` (core.0001_initial): remove it from findings' state, keep the table.

Depends on ``core.0001_initial`` so the model is never missing from both apps. Back to the previous state:
``piaops migrate core zero`` unapplies this migration, then core's (the model returns to findings; the table and
its rows are untouched).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("findings", "0002_followup_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SentReminder")],
            database_operations=[],
        ),
    ]
