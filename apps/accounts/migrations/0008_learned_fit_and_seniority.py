"""The learned fit (apps/fit) and a contact's seniority.

An account's fit score is now the learned fit unless set by hand (`fit_source`). Every fit
entered so far was set by hand, so accounts with one keep it as an override until a marketer
lets the learned fit take over; accounts at 0 (none entered) follow the learned fit.
"""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="fit_learned",
            field=models.PositiveSmallIntegerField(
                blank=True,
                editable=False,
                help_text="The active fit model's fit, 0–100; kept while the score is set by hand.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="account",
            name="fit_source",
            field=models.CharField(
                choices=[("learned", "Learned"), ("manual", "Set by hand")],
                db_default="learned",
                default="learned",
                help_text="Set by hand: the fit score stays as entered. Learned: it follows the fit model (apps/fit).",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="person_fit",
            field=models.PositiveSmallIntegerField(
                blank=True,
                editable=False,
                help_text="The active fit model's fit for this person (persona, buying role, seniority), 0–100.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="seniority",
            field=models.CharField(
                blank=True,
                choices=[
                    ("c_level", "C-level"),
                    ("vp", "VP"),
                    ("director", "Director"),
                    ("manager", "Manager"),
                    ("individual", "Individual contributor"),
                ],
                db_default="",
                default="",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="historicalaccount",
            name="fit_source",
            field=models.CharField(
                choices=[("learned", "Learned"), ("manual", "Set by hand")],
                db_default="learned",
                default="learned",
                help_text="Set by hand: the fit score stays as entered. Learned: it follows the fit model (apps/fit).",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="historicalcontact",
            name="seniority",
            field=models.CharField(
                blank=True,
                choices=[
                    ("c_level", "C-level"),
                    ("vp", "VP"),
                    ("director", "Director"),
                    ("manager", "Manager"),
                    ("individual", "Individual contributor"),
                ],
                db_default="",
                default="",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="account",
            name="fit_score",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="How well the account fits the ideal customer profile, 0–100: the learned fit, unless set by hand.",
                validators=[django.core.validators.MaxValueValidator(100)],
            ),
        ),
        migrations.AlterField(
            model_name="historicalaccount",
            name="fit_score",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="How well the account fits the ideal customer profile, 0–100: the learned fit, unless set by hand.",
                validators=[django.core.validators.MaxValueValidator(100)],
            ),
        ),
        migrations.RunSQL(
            "UPDATE accounts_account SET fit_source = 'manual' WHERE fit_score > 0",
            migrations.RunSQL.noop,
        ),
    ]
