from rest_framework import serializers


class SignalRulesResetSerializer(serializers.Serializer):
    """What a reset of the signal rules to the starter template did, each rule as it reads."""

    added = serializers.ListField(child=serializers.CharField())
    restored = serializers.ListField(
        child=serializers.CharField(), help_text="Each rule with the values put back."
    )
    removed = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.IntegerField(source="unchanged_count")
    missing_stages = serializers.ListField(
        child=serializers.CharField(),
        help_text="Stage slugs of the template missing from the published starter journey: "
        "their rules were left out.",
    )
