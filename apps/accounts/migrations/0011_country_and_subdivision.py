"""A country and subdivision on accounts and contacts (empty for existing ones): the buyer's
public holidays. `Account.region` stays as the free-text sales region."""

from django.db import migrations, models

import apps.core.countries


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_contact_declines_tracking"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="country",
            field=models.CharField(
                blank=True,
                choices=apps.core.countries.country_choices,
                db_default="",
                default="",
                error_messages={"invalid_choice": "Unknown country code %(value)r."},
                help_text="ISO 3166 code, e.g. DE; its public holidays pause nurture steps.",
                max_length=2,
            ),
        ),
        migrations.AddField(
            model_name="account",
            name="subdivision",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="State or province code within the country, e.g. BY (Bavaria) or CA.",
                max_length=24,
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="country",
            field=models.CharField(
                blank=True,
                choices=apps.core.countries.country_choices,
                db_default="",
                default="",
                error_messages={"invalid_choice": "Unknown country code %(value)r."},
                help_text="ISO 3166 code, e.g. DE; its public holidays pause nurture steps.",
                max_length=2,
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="subdivision",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="State or province code within the country, e.g. BY (Bavaria) or CA.",
                max_length=24,
            ),
        ),
        migrations.AddField(
            model_name="historicalaccount",
            name="country",
            field=models.CharField(
                blank=True,
                choices=apps.core.countries.country_choices,
                db_default="",
                default="",
                error_messages={"invalid_choice": "Unknown country code %(value)r."},
                help_text="ISO 3166 code, e.g. DE; its public holidays pause nurture steps.",
                max_length=2,
            ),
        ),
        migrations.AddField(
            model_name="historicalaccount",
            name="subdivision",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="State or province code within the country, e.g. BY (Bavaria) or CA.",
                max_length=24,
            ),
        ),
        migrations.AddField(
            model_name="historicalcontact",
            name="country",
            field=models.CharField(
                blank=True,
                choices=apps.core.countries.country_choices,
                db_default="",
                default="",
                error_messages={"invalid_choice": "Unknown country code %(value)r."},
                help_text="ISO 3166 code, e.g. DE; its public holidays pause nurture steps.",
                max_length=2,
            ),
        ),
        migrations.AddField(
            model_name="historicalcontact",
            name="subdivision",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="State or province code within the country, e.g. BY (Bavaria) or CA.",
                max_length=24,
            ),
        ),
    ]
