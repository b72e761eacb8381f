"""A buyer's reply to a sequence email is a touch of its sequence, as the email's opens and
clicks are (0004).

A provider's reply report is stored as an `email_reply` event naming the touch and its
`sequence` (apps/nurture/services.py), and nothing made it a touch: attribution credited the
email and its opens and clicks, never the answer they were sent for. Now 0004's rule covers
`email_reply` too; the events already stored are read once more with it. Backwards, reply
touches go and the events are read with 0004's rule again.
"""

from importlib import import_module

from django.db import migrations

before = import_module("apps.analytics.migrations.0004_sequence_email_engagement_touches")

SEQUENCE_EMAIL_ENGAGEMENT = (*before.SEQUENCE_EMAIL_ENGAGEMENT, "email_reply")


def _event_touches(pg: bool, events: str | None) -> str:
    return before._event_touches(pg, events, kinds=SEQUENCE_EMAIL_ENGAGEMENT)


def _forwards(apps, schema_editor) -> None:
    before._follow(_event_touches, schema_editor.connection)
    before._read_again(_event_touches, schema_editor.connection)


def _backwards(apps, schema_editor) -> None:
    before._undo(
        before._event_touches,
        schema_editor.connection,
        forget="DELETE FROM analytics_touch WHERE event_id IN"
        " (SELECT id FROM engagement_event WHERE kind = 'email_reply')",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_sequence_email_engagement_touches"),
    ]

    operations = [migrations.RunPython(_forwards, _backwards)]
