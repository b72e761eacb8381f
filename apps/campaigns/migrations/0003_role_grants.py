"""Give the role groups their grants on campaign templates."""

from django.db import migrations

from apps.users.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_plan_segment_templates_feeds"),
        ("users", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
