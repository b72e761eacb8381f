"""Create the marketer, sales and admin groups with their permissions (apps/users/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from apps.users.roles import sync_role_groups


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after `migrate` ends; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps)


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

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
