"""`Touch.holiday_move`: each touch keeps the holiday note that applied to its step when it ran.

The note lived only on the enrolment, which says why its *next* step is late: once that step
ran, the next step's note (or none) replaced it. The dispatcher now copies the enrolment's note
onto the touch it records. Touches recorded before keep an empty note: what moved them is gone.
A constant database default: PostgreSQL adds the column without rewriting the table.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("nurture", "0015_stale_notification_content_type"),
    ]

    operations = [
        migrations.AddField(
            model_name="touch",
            name="holiday_move",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                help_text="When the buyer's holidays put this step later: the enrolment's note "
                "as it stood when the step ran, e.g. “from Thu 3 Oct to Fri 4 Oct: German Unity "
                "Day (DE)”.",
                max_length=300,
            ),
        ),
    ]
