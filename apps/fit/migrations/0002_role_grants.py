"""Give the marketer role its grants on fit models (apps/users/roles.py)."""

from django.db import migrations

from apps.users.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("fit", "0001_initial"),
        ("users", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
