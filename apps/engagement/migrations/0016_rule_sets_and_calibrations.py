"""Rule set versions (the rules every score was computed with), calibration runs, and the
version each score and stage change records.

A database that has signal rules already gets version 1: the rules as they stand now.
"""

import django.core.serializers.json
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from apps.users.roles import sync_roles


def rules_in_place_become_version_1(apps, schema_editor):
    from apps.engagement.models import SignalRule as LiveRule
    from apps.engagement.scoring import rule_snapshot

    SignalRule = apps.get_model("engagement", "SignalRule")
    ScoringSettings = apps.get_model("engagement", "ScoringSettings")
    RuleSet = apps.get_model("engagement", "RuleSet")
    fields = [f.attname for f in SignalRule._meta.concrete_fields]
    # The live model's class only describes each rule (its label); nothing is saved through it.
    rules = [
        rule_snapshot(LiveRule(**row)) for row in SignalRule.objects.order_by("pk").values(*fields)
    ]
    if not rules or RuleSet.objects.exists():
        return
    settings_row = ScoringSettings.objects.filter(pk=1).first()
    now = timezone.now()
    RuleSet.objects.create(
        version=1,
        status="active",
        origin="in_place",
        summary="The rules in place when versions began",
        rules=rules,
        stage_threshold=settings_row.stage_threshold if settings_row else 5,
        decided_at=now,
        activated_at=now,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0015_rule_cap_not_negative"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="accountscore",
            name="rule_set_version",
            field=models.PositiveIntegerField(
                blank=True, help_text="The rule set version the score was computed with.", null=True
            ),
        ),
        migrations.AddField(
            model_name="contactscore",
            name="rule_set_version",
            field=models.PositiveIntegerField(
                blank=True, help_text="The rule set version the score was computed with.", null=True
            ),
        ),
        migrations.AddField(
            model_name="inferredstagechange",
            name="rule_set_version",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="The rule set version the change was computed with.",
                null=True,
            ),
        ),
        migrations.CreateModel(
            name="RuleSet",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("version", models.PositiveIntegerField(unique=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("proposed", "Proposed"),
                            ("active", "Active"),
                            ("superseded", "Superseded"),
                            ("declined", "Declined"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "origin",
                    models.CharField(
                        choices=[
                            ("starter_kit", "Starter kit"),
                            ("edited", "Rules edited"),
                            ("template_reset", "Reset to the template"),
                            ("calibration", "Calibration"),
                            ("in_place", "Rules in place when versions began"),
                        ],
                        max_length=14,
                    ),
                ),
                ("summary", models.TextField(help_text="What changed, and who changed it.")),
                ("rules", models.JSONField(default=list)),
                ("stage_threshold", models.DecimalField(decimal_places=2, max_digits=6)),
                (
                    "evidence",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        encoder=django.core.serializers.json.DjangoJSONEncoder,
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                ("activated_at", models.DateTimeField(blank=True, null=True)),
                ("decline_reason", models.TextField(blank=True)),
                (
                    "based_on",
                    models.ForeignKey(
                        blank=True,
                        help_text="The version this one was made from.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="engagement.ruleset",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "proposed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-version"],
            },
        ),
        migrations.CreateModel(
            name="Calibration",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("start", models.DateTimeField(help_text="The first moment buyers are scored at.")),
                ("end", models.DateTimeField(help_text="The last moment buyers are scored at.")),
                (
                    "horizon_days",
                    models.PositiveSmallIntegerField(
                        help_text="Days after each moment in which the outcome counts.",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(730),
                        ],
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("opportunity_created", "Opportunity created"),
                            ("opportunity_won", "Opportunity won"),
                            ("handoff_accepted", "Handoff accepted"),
                        ],
                        default="opportunity_created",
                        max_length=24,
                    ),
                ),
                (
                    "cutoffs",
                    models.PositiveSmallIntegerField(
                        default=6,
                        help_text="Moments spread evenly from start to end; the later ones are held out.",
                        validators=[
                            django.core.validators.MinValueValidator(2),
                            django.core.validators.MaxValueValidator(24),
                        ],
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=8,
                    ),
                ),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "results",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        encoder=django.core.serializers.json.DjangoJSONEncoder,
                    ),
                ),
                ("failure", models.TextField(blank=True)),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "proposal",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="calibrations",
                        to="engagement.ruleset",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="backtest",
            name="compare_with",
            field=models.ForeignKey(
                blank=True,
                help_text="A proposal or an earlier version, scored beside the current rules.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="engagement.ruleset",
            ),
        ),
        migrations.AddConstraint(
            model_name="ruleset",
            constraint=models.CheckConstraint(
                condition=models.Q(("version__gte", 1)), name="rule_set_version_positive"
            ),
        ),
        migrations.AddConstraint(
            model_name="ruleset",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "active")),
                fields=("status",),
                name="rule_set_one_active",
                violation_error_message="Only one rule set is active at a time.",
            ),
        ),
        migrations.AddConstraint(
            model_name="ruleset",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "proposed"), ("decided_at__isnull", False), _connector="OR"
                ),
                name="rule_set_decided_unless_proposed",
                violation_error_message="A rule set that is no longer proposed records when it was decided.",
            ),
        ),
        migrations.RunPython(rules_in_place_become_version_1, migrations.RunPython.noop),
        # Marketers review rule sets and run calibrations (apps/users/roles.py).
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
