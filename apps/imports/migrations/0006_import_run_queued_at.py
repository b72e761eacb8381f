from django.db import migrations, models
from django.db.models import F

WORKING = ["previewing", "queued", "running"]


def runs_at_work_queued_when_made(apps, schema_editor):
    """Runs waiting for a worker already: counted from when they were made, so one whose task
    was lost before this field existed is sent again by the stranded-runs sweep."""
    ImportRun = apps.get_model("imports", "ImportRun")
    ImportRun.objects.filter(status__in=WORKING).update(queued_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0005_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="queued_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When its preview or commit was last sent to a worker.",
                null=True,
            ),
        ),
        migrations.RunPython(runs_at_work_queued_when_made, migrations.RunPython.noop),
    ]
