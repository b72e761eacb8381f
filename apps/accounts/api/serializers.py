from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import Account, Contact, normalise_domain
from apps.core.api.fields import ChoiceField
from apps.fit import selectors as fit_selectors
from apps.fit.api.serializers import FitSerializer, fit_context_of, fit_data

# The code as the message names it; the subdivision is checked against the country by the model.
PLACE_KWARGS = {
    "country": {"error_messages": {"invalid_choice": "Unknown country code '{input}'."}}
}


class AccountSerializer(serializers.ModelSerializer):
    serializer_choice_field = ChoiceField
    owner_name = serializers.CharField(source="owner", read_only=True, allow_null=True)
    fit = serializers.SerializerMethodField(
        help_text="The fit score explained: learned or set by hand, and each attribute's points."
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "domain",
            "industry",
            "region",
            "country",
            "subdivision",
            "employee_count",
            "annual_revenue",
            "tier",
            "is_target",
            "fit_score",
            "fit_source",
            "fit_learned",
            "fit",
            "owner",
            "owner_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["fit_learned"]
        # The service checks uniqueness after normalising, so `WWW.Acme.com` meets `acme.com`.
        extra_kwargs = {"domain": {"validators": []}, **PLACE_KWARGS}

    def validate_domain(self, value: str) -> str:
        # The service stores the normalised spelling; here we only refuse input with no host.
        if not normalise_domain(value):
            raise serializers.ValidationError("Enter a company domain such as acme.com.")
        return value

    @extend_schema_field(FitSerializer)
    def get_fit(self, account: Account) -> dict:
        explained = fit_selectors.account_fit_explain(account=account, context=fit_context_of(self))
        return fit_data(self, explained)


class ContactSerializer(serializers.ModelSerializer):
    serializer_choice_field = ChoiceField
    account_name = serializers.CharField(source="account.name", read_only=True)
    persona_name = serializers.CharField(source="persona.name", read_only=True, allow_null=True)
    fit = serializers.SerializerMethodField(
        help_text="The person's learned fit (persona, buying role, seniority), explained."
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "account",
            "account_name",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "title",
            "persona",
            "persona_name",
            "buying_role",
            "seniority",
            "person_fit",
            "fit",
            "consent",
            "declines_tracking",
            "time_zone",
            "country",
            "subdivision",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["person_fit"]
        # The service checks uniqueness after lower-casing, so `Ann@Acme.com` meets `ann@acme.com`.
        extra_kwargs = {"email": {"validators": []}, **PLACE_KWARGS}

    @extend_schema_field(FitSerializer)
    def get_fit(self, contact: Contact) -> dict:
        explained = fit_selectors.contact_fit_explain(contact=contact, context=fit_context_of(self))
        return fit_data(self, explained)
