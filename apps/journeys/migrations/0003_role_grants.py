"""Give the role groups their grants on the playbook, KPI, change-log and review models."""

from django.db import migrations

from apps.users.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0002_playbooks_kpis_versions_reviews"),
        ("users", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
