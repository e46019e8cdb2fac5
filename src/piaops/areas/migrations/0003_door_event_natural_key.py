
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0002_alter_doorevent_options_alter_doorlogimport_options_and_more'),
    ]

    operations = [
        # Before this constraint every repeated import doubled its events: keep the first copy of each event.
        migrations.RunSQL(
            "DELETE FROM areas_doorevent WHERE id NOT IN"
            " (SELECT MIN(id) FROM areas_doorevent GROUP BY area_id, at, card_id, direction)",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AddField(
            model_name='doorlogimport',
            name='skipped',
            field=models.PositiveIntegerField(default=0, verbose_name='取込済み・重複のため追加しなかった件数'),
        ),
        migrations.AddConstraint(
            model_name='doorevent',
            constraint=models.UniqueConstraint(fields=('area', 'at', 'card_id', 'direction'), name='doorevent_natural_key'),
        ),
    ]
