from rest_framework import serializers

from apps.privacy.models import Erasure


class EraseInputSerializer(serializers.Serializer):
    confirm = serializers.CharField(
        help_text="The contact's email address, typed again: erasure cannot be undone."
    )

    def validate_confirm(self, value: str) -> str:
        if value.strip().lower() != self.context["contact"].email:
            raise serializers.ValidationError("Type the contact's email address to confirm.")
        return value


class ErasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Erasure
        fields = ["id", "contact_id", "erased_by", "erased_at", "counts"]
