"""Notifications used to live in apps.nurture (stall alerts and failed steps only). They move
here, where every app writes them: each old row is copied with its recipient, kind, text,
link, times and read state; a stall alert's stall becomes its subject. The old table is dropped
by nurture 0008, which runs after this copy."""

from django.db import migrations

BATCH = 2000


def copy_from_nurture(apps, schema_editor):
    old = apps.get_model("nurture", "Notification")
    new = apps.get_model("notifications", "Notification")
    content_type = apps.get_model("contenttypes", "ContentType")
    stall_type, _ = content_type.objects.using(schema_editor.connection.alias).get_or_create(
        app_label="pipeline", model="opportunitystall"
    )
    rows = []
    for row in old.objects.order_by("pk").iterator(chunk_size=BATCH):
        rows.append(
            new(
                recipient_id=row.recipient_id,
                kind=row.kind,
                text=row.text,
                link=row.link,
                subject_type=stall_type if row.stall_id else None,
                subject_id=row.stall_id,
                created_at=row.created_at,
                read_at=row.read_at,
            )
        )
        if len(rows) == BATCH:
            new.objects.bulk_create(rows)
            rows = []
    new.objects.bulk_create(rows)


def copy_back_to_nurture(apps, schema_editor):
    old = apps.get_model("nurture", "Notification")
    new = apps.get_model("notifications", "Notification")
    stall_ids = set(
        apps.get_model("pipeline", "OpportunityStall").objects.values_list("pk", flat=True)
    )
    old.objects.bulk_create(
        [
            old(
                recipient_id=row.recipient_id,
                kind=row.kind,
                text=row.text,
                link=row.link,
                stall_id=row.subject_id
                if row.kind == "stall" and row.subject_id in stall_ids
                else None,
                created_at=row.created_at,
                read_at=row.read_at,
            )
            for row in new.objects.filter(kind__in=["stall", "step_failed"]).iterator()
        ],
        batch_size=BATCH,
    )
    # Back to before the move: the rows live in nurture again (kinds it did not know go).
    new.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("nurture", "0006_history"),
        ("pipeline", "0002_opportunity_stalls"),
    ]

    operations = [migrations.RunPython(copy_from_nurture, copy_back_to_nurture)]
