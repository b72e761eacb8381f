from rest_framework import serializers

from apps.accounts.models import Account, Contact, normalise_domain


class AccountSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner", read_only=True, allow_null=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "domain",
            "industry",
            "region",
            "employee_count",
            "annual_revenue",
            "tier",
            "is_target",
            "fit_score",
            "owner",
            "owner_name",
            "created_at",
            "updated_at",
        ]
        # The service checks uniqueness after normalising, so `WWW.Acme.com` meets `acme.com`.
        extra_kwargs = {"domain": {"validators": []}}

    def validate_domain(self, value: str) -> str:
        # The service stores the normalised spelling; here we only refuse input with no host.
        if not normalise_domain(value):
            raise serializers.ValidationError("Enter a company domain such as acme.com.")
        return value


class ContactSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    persona_name = serializers.CharField(source="persona.name", read_only=True, allow_null=True)

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
            "consent",
            "time_zone",
            "created_at",
            "updated_at",
        ]
        # The service checks uniqueness after lower-casing, so `Ann@Acme.com` meets `ann@acme.com`.
        extra_kwargs = {"email": {"validators": []}}
