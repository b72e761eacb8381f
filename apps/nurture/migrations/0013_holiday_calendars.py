"""Holiday calendars per buyer.

- A company `Holiday` may be for one country (and subdivision): the unique day becomes unique
  per day and place. Existing rows keep an empty country: they stay days off for everyone.
- `Enrollment.holiday_move` says when the buyer's holidays put the next step later.
"""

from django.db import migrations, models

import apps.core.countries


class Migration(migrations.Migration):
    dependencies = [
        ("nurture", "0012_step_variants"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="holiday",
            options={"ordering": ["date", "country", "subdivision"]},
        ),
        migrations.AddField(
            model_name="enrollment",
            name="holiday_move",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                help_text="When the buyer's holidays put the next step later: from when, to when, and which days, e.g. “from Mon 25 Dec to Wed 27 Dec: Christmas Day (DE)”.",
                max_length=300,
            ),
        ),
        migrations.AddField(
            model_name="historicalholiday",
            name="country",
            field=models.CharField(
                blank=True,
                choices=apps.core.countries.country_choices,
                default="",
                error_messages={"invalid_choice": "Unknown country code %(value)r."},
                help_text="Empty: for buyers in every country.",
                max_length=2,
            ),
        ),
        migrations.AddField(
            model_name="historicalholiday",
            name="subdivision",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Empty: the whole country. A state or province code, e.g. BY.",
                max_length=24,
            ),
        ),
        migrations.AddField(
            model_name="holiday",
            name="country",
            field=models.CharField(
                blank=True,
                choices=apps.core.countries.country_choices,
                default="",
                error_messages={"invalid_choice": "Unknown country code %(value)r."},
                help_text="Empty: for buyers in every country.",
                max_length=2,
            ),
        ),
        migrations.AddField(
            model_name="holiday",
            name="subdivision",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Empty: the whole country. A state or province code, e.g. BY.",
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="historicalholiday",
            name="date",
            field=models.DateField(),
        ),
        migrations.AlterField(
            model_name="holiday",
            name="date",
            field=models.DateField(),
        ),
        migrations.AddConstraint(
            model_name="holiday",
            constraint=models.UniqueConstraint(
                fields=("date", "country", "subdivision"),
                name="holiday_once_per_day_and_place",
                violation_error_message="There is already a holiday on this day for this place.",
            ),
        ),
    ]
