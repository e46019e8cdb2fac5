"""SentReminder moves from ``findings`` to ``core`` (in Django's state only: the table stays as it is).

The table ``findings_sentreminder`` was created by ``findings.0001_initial`` (hence the dependency, so that on a
fresh database it exists first); this migration only tells Django that the model is now ``core.SentReminder``.
``findings.0003`` depends on this one and removes the model from findings' state afterwards. The content type row
is renamed so that permissions attached to it follow the model (on a fresh database there is none yet).
Reversible: backwards, the content type goes back to ``findings`` and nothing else changes in the database.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

import piaops.lib.fields


def _move_content_type(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not content_type.objects.using(db).filter(app_label=new, model="sentreminder").exists():
        content_type.objects.using(db).filter(app_label=old, model="sentreminder").update(app_label=new)


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move_content_type(apps, schema_editor, "findings", "core")


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _move_content_type(apps, schema_editor, "core", "findings")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("findings", "0001_initial"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SentReminder",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=200)),
                        ("sent_at", models.DateTimeField()),
                        ("recipients", piaops.lib.fields.GuardedTextField(blank=True, default="", verbose_name="宛先")),
                        (
                            "subject",
                            piaops.lib.fields.GuardedCharField(
                                blank=True, default="", max_length=300, verbose_name="件名"
                            ),
                        ),
                        (
                            "municipality",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="tenancy.municipality",
                                verbose_name="団体",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "送信済みリマインダー",
                        "verbose_name_plural": "送信済みリマインダー",
                        "db_table": "findings_sentreminder",
                        "constraints": [models.UniqueConstraint(fields=("key",), name="sentreminder_key_unique")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
