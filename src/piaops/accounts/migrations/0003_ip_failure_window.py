"""Per-IP failure counts move from the database cache table ``piaops_throttle`` (whose increment was a read and a
write, losing concurrent failures) to ``IpFailureWindow`` (an atomic ``count = count + 1``). The counts of the
current window are not carried over: at worst an address gets one window's tries afresh, once."""

from typing import Any

from django.core.management import call_command
from django.db import migrations, models


def drop_cache_table(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP TABLE IF EXISTS piaops_throttle")


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", "piaops_throttle", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_throttle_cache_table'),
    ]

    operations = [
        migrations.CreateModel(
            name='IpFailureWindow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scope', models.CharField(choices=[('login', 'ログイン'), ('api', 'API')], max_length=8, verbose_name='対象')),
                ('addr', models.CharField(max_length=64, verbose_name='接続元')),
                ('window_start', models.DateTimeField(db_index=True, verbose_name='期間の開始')),
                ('count', models.PositiveIntegerField(default=0, verbose_name='失敗回数')),
            ],
            options={
                'verbose_name': '接続元ごとの認証失敗',
                'verbose_name_plural': '接続元ごとの認証失敗',
                'constraints': [models.UniqueConstraint(fields=('scope', 'addr', 'window_start'), name='ipfailurewindow_unique')],
            },
        ),
        migrations.RunPython(drop_cache_table, create_cache_table),
    ]
