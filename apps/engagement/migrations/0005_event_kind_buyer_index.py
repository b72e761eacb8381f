"""An index of the events by kind, then buyer and time, carrying the URL: a repeat rule's pass
reads only the events of its kind, straight from the index, rather than every event.

Raw SQL, not `AddIndex`: PostgreSQL's INCLUDE makes it covering (SQLite has no INCLUDE), and
the index serves one statement of the scoring, not the ORM.
"""

from django.db import migrations

INDEX = "engagement_event_kind_buyer_idx"


def create(apps, schema_editor):
    include = " INCLUDE (url)" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {INDEX} ON engagement_event "
        f"(kind, account_id, contact_id, occurred_at, id){include}"
    )


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0004_email_reply_and_bounce"),
    ]

    operations = [migrations.RunPython(create, drop)]
