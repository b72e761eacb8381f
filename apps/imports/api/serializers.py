"""The bulk upsert endpoints' bodies and answers, for the OpenAPI schema (the service checks
the items itself, the same way an import checks a file's rows)."""

from rest_framework import serializers

from apps.accounts.models import Contact
from apps.core.api.bulk import ItemErrorSerializer
from apps.personas.models import BuyingRole

SUBDIVISION_HELP = (
    "A state or province of `country`: BY, DE-BY, or a name the holidays package knows "
    "(Bayern, California)."
)


def _text(**kwargs) -> serializers.CharField:
    return serializers.CharField(required=False, allow_null=True, **kwargs)


class _RecordSerializer(serializers.Serializer):
    external_source = _text(max_length=40, help_text="The system the id comes from.")
    external_id = _text(max_length=100, help_text="The record's id there; unique per source.")


class AccountRecordSerializer(_RecordSerializer):
    """An account, found by (external_source, external_id), else by domain. Left out or null,
    a field keeps what Waymark has (a new record gets the default)."""

    name = _text(max_length=200, help_text="Required for a new account.")
    domain = _text(max_length=253, help_text="Normalised: https://www.Acme.com/x is acme.com.")
    industry = _text(max_length=80)
    region = _text(max_length=80, help_text="The sales region, free text (e.g. EMEA).")
    country = _text(help_text="ISO 3166 code or English name (DE, Germany): its holidays.")
    subdivision = _text(help_text=SUBDIVISION_HELP)
    employee_count = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    annual_revenue = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    tier = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3)
    is_target = serializers.BooleanField(required=False, allow_null=True)
    fit_score = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100
    )
    owner_email = _text(help_text="A user's email, username or full name.")


class _NamesAccountSerializer(_RecordSerializer):
    account_domain = _text(max_length=253)
    account_external_id = _text(max_length=100, help_text="The account's id in the same source.")
    account_name = _text(max_length=200, help_text="Counts when one account has this name.")


class ContactRecordSerializer(_NamesAccountSerializer):
    """A contact, found by (external_source, external_id), else by email; its account is the
    one the account fields name, else the one of its email's domain."""

    email = serializers.EmailField(required=False, allow_null=True)
    first_name = _text(max_length=80)
    last_name = _text(max_length=80)
    title = _text(max_length=120, help_text="Title rules fill in persona and role from it.")
    persona = _text(help_text="A persona's name.")
    buying_role = serializers.ChoiceField(
        choices=BuyingRole.choices, required=False, allow_null=True
    )
    consent = serializers.ChoiceField(
        choices=Contact.Consent.choices, required=False, allow_null=True
    )
    time_zone = _text(help_text="An IANA time zone such as Europe/Berlin.")
    country = _text(help_text="ISO 3166 code or English name (DE, Germany); empty: the account's.")
    subdivision = _text(help_text=SUBDIVISION_HELP)


class OpportunityRecordSerializer(_NamesAccountSerializer):
    """A deal, found by (external_source, external_id), else by its name within its account.
    A changed stage moves it through its stage history."""

    name = _text(max_length=200)
    owner_email = _text(help_text="A user's email, username or full name; default: the caller.")
    stage = _text(help_text="A pipeline stage's name.")
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    currency = _text(max_length=3)
    expected_close_date = serializers.DateField(required=False, allow_null=True)
    stage_entered_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When the deal entered `stage`; default: now."
    )
    created_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When the deal was created in its CRM (not in the future, not after"
        " `stage_entered_at`); default: now for a new deal, kept for a known one.",
    )


class BulkReportSerializer(serializers.Serializer):
    run = serializers.IntegerField(help_text="The import run: in the history, and undoable.")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()
    errors = ItemErrorSerializer(many=True)
