"""Create the sales manager group: a rep's grants, over every rep's deals and handoffs."""

from django.db import migrations

from apps.users.roles import sync_roles


class Migration(migrations.Migration):
    # After every app whose models a rep's grants name, so the group gets all of them now.
    dependencies = [
        ("users", "0003_history"),
        ("accounts", "0007_history"),
        ("campaigns", "0006_history"),
        ("content", "0006_history"),
        ("enablement", "0003_history"),
        ("engagement", "0013_history"),
        ("journeys", "0006_history"),
        ("nurture", "0006_history"),
        ("personas", "0005_history"),
        ("pipeline", "0007_history"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
