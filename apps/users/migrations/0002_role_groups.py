"""Create the marketer, sales and admin groups with their permissions (apps/users/roles.py).

A later migration that adds models runs `sync_roles` again so the groups catch up.
"""

from django.db import migrations

from apps.users.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("accounts", "0001_initial"),
        ("campaigns", "0001_initial"),
        ("content", "0001_initial"),
        ("engagement", "0001_initial"),
        ("journeys", "0001_initial"),
        ("nurture", "0001_initial"),
        ("personas", "0001_initial"),
        ("pipeline", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
