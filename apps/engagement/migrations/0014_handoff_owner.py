"""Handoffs get an owner: who decides them. Those already raised go to their account's owner
(none: the marketing-ops queue), as new ones are routed when the recompute raises them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def route_to_account_owners(apps, schema_editor):
    Handoff = apps.get_model("engagement", "Handoff")
    Account = apps.get_model("accounts", "Account")
    owner = Account.objects.filter(pk=models.OuterRef("account_id")).values("owner_id")[:1]
    Handoff.objects.update(owner_id=models.Subquery(owner))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_history"),
        ("engagement", "0013_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="handoff",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Who decides it: the account's owner when it was raised, or whoever "
                "it was reassigned to; empty for the marketing-ops queue.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="handoffs",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(route_to_account_owners, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="handoff",
            index=models.Index(fields=["owner", "status"], name="handoff_owner_status_idx"),
        ),
    ]
