from django.db import migrations

from apps.users.roles import sync_roles


class Migration(migrations.Migration):
    """Marketers (and admins) import; marketers keep the title rules."""

    dependencies = [
        ("imports", "0001_import_runs"),
        ("personas", "0003_title_rules"),
        ("users", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
