"""Give the role groups their grants on stalls, holidays and nurture tasks (apps/users/roles.py)."""

from django.db import migrations

from apps.users.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("nurture", "0002_stalls_tasks_notifications_holidays"),
        ("pipeline", "0002_opportunity_stalls"),
        ("users", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
