"""Give the role groups their grants on the scoring models (apps/users/roles.py)."""

from django.db import migrations

from apps.users.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0002_scores_stages_handoffs_webhooks"),
        ("users", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
