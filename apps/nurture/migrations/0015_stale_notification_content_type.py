"""The content type and the four permissions of the notification model that 0008 moved to
apps.notifications: left behind, they offered admins "nurture | notification" permissions
that grant nothing. Nothing else points at them (the admin's log keeps its entries, without
the link)."""

from django.db import migrations


def forget_nurture_notification(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    # Its permissions go with it (on delete cascade).
    content_types.objects.filter(app_label="nurture", model="notification").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("nurture", "0014_mail_event_unsubscribed"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    # Nothing to bring back: 0008 could not be undone past this point without the model anyway.
    operations = [migrations.RunPython(forget_nurture_notification, migrations.RunPython.noop)]
