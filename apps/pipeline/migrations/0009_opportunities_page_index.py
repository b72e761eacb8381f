from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0008_list_ordering_indexes"),
    ]

    operations = [
        # The opportunities page's order (stalled first, then longest in their stage), read
        # from the index instead of sorting every open deal.
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                models.ExpressionWrapper(
                    models.Q(("stalled_since__isnull", True)),
                    output_field=models.BooleanField(),
                ),
                models.F("stage_entered_at"),
                models.F("id"),
                condition=models.Q(("archived_at__isnull", True)),
                name="deal_active_stalled_first",
            ),
        ),
    ]
