"""A/B variants of email steps: each variant's text and weight, the step's winner, and which
variant each touch sent. Existing steps have no variants and send their own text as before.
Marketers manage variants, reps read them (apps/users/roles.py)."""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import apps.core.audit
import apps.core.validators
from apps.users.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("nurture", "0011_mail_events_suppressed_addresses"),
        ("users", "0004_sales_manager_role"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalStepVariant",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "path",
                    models.CharField(
                        choices=[
                            ("web", "Web page"),
                            ("api", "API"),
                            ("admin", "Admin"),
                            ("import", "Import"),
                            ("task", "Background task"),
                            ("command", "Command"),
                            ("system", "System"),
                        ],
                        default=apps.core.audit.current_path,
                        help_text="Where the change came from: web page, API, admin, import, task or command.",
                        max_length=8,
                    ),
                ),
                (
                    "label",
                    models.CharField(
                        editable=False, help_text="A, B, C, … in order.", max_length=1
                    ),
                ),
                (
                    "subject",
                    models.CharField(
                        help_text="Email subject; merge fields allowed.",
                        max_length=200,
                        validators=[apps.core.validators.SingleLineValidator()],
                    ),
                ),
                ("body", models.TextField(help_text="Email text; merge fields allowed.")),
                (
                    "weight",
                    models.PositiveSmallIntegerField(
                        default=1,
                        help_text="Share of the sends: weights 3 and 1 send this variant to 3 in 4 contacts.",
                        validators=[django.core.validators.MinValueValidator(1)],
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Only active variants are sent; a paused one keeps its results.",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "step",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="nurture.step",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical step variant",
                "verbose_name_plural": "historical step variants",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="StepVariant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "label",
                    models.CharField(
                        editable=False, help_text="A, B, C, … in order.", max_length=1
                    ),
                ),
                (
                    "subject",
                    models.CharField(
                        help_text="Email subject; merge fields allowed.",
                        max_length=200,
                        validators=[apps.core.validators.SingleLineValidator()],
                    ),
                ),
                ("body", models.TextField(help_text="Email text; merge fields allowed.")),
                (
                    "weight",
                    models.PositiveSmallIntegerField(
                        default=1,
                        help_text="Share of the sends: weights 3 and 1 send this variant to 3 in 4 contacts.",
                        validators=[django.core.validators.MinValueValidator(1)],
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Only active variants are sent; a paused one keeps its results.",
                    ),
                ),
                (
                    "step",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="variants",
                        to="nurture.step",
                    ),
                ),
            ],
            options={
                "ordering": ["step", "label"],
            },
        ),
        migrations.AddField(
            model_name="historicalstep",
            name="winner",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                help_text="The A/B variant picked as the winner: every new send uses it.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="nurture.stepvariant",
            ),
        ),
        migrations.AddField(
            model_name="step",
            name="winner",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="The A/B variant picked as the winner: every new send uses it.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="nurture.stepvariant",
            ),
        ),
        migrations.AddField(
            model_name="touch",
            name="variant",
            field=models.ForeignKey(
                blank=True,
                help_text="The A/B variant sent; empty for a step without variants.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="touches",
                to="nurture.stepvariant",
            ),
        ),
        migrations.AddConstraint(
            model_name="stepvariant",
            constraint=models.UniqueConstraint(
                fields=("step", "label"),
                name="step_variant_label_unique",
                violation_error_message="This step already has a variant with this label.",
            ),
        ),
        migrations.AddConstraint(
            model_name="stepvariant",
            constraint=models.CheckConstraint(
                condition=models.Q(("weight__gte", 1)),
                name="step_variant_weight_positive",
                violation_error_message="A weight is a whole number from 1 up.",
            ),
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
