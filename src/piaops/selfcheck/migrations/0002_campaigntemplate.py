"""A campaign may use several templates: CampaignTemplate rows, one per existing campaign for its template."""

import django.db.models.deletion
from django.db import migrations, models


def link_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    Campaign = apps.get_model("selfcheck", "Campaign")
    CampaignTemplate = apps.get_model("selfcheck", "CampaignTemplate")
    CampaignTemplate.objects.bulk_create(
        [
            CampaignTemplate(municipality_id=c.municipality_id, campaign_id=c.pk, template_id=c.template_id, position=0)
            for c in Campaign.objects.all().only("pk", "municipality_id", "template_id")
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("selfcheck", "0001_initial"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CampaignTemplate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="順序")),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="campaign_templates",
                        to="selfcheck.campaign",
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
                (
                    "template",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="campaign_links",
                        to="selfcheck.checklisttemplate",
                    ),
                ),
            ],
            options={
                "ordering": ["campaign", "position", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("campaign", "template"), name="campaigntemplate_unique")
                ],
            },
        ),
        migrations.RunPython(link_existing, migrations.RunPython.noop),
    ]
