"""Notifications moved to apps.notifications (one inbox that every app writes to); their rows
were copied there by notifications 0002, so the old table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("nurture", "0007_sequence_campaign"),
        ("notifications", "0002_from_nurture"),
    ]

    operations = [
        migrations.DeleteModel(name="Notification"),
    ]
