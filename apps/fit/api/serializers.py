from rest_framework import serializers

from apps.fit import selectors


class ContributionSerializer(serializers.Serializer):
    attribute = serializers.CharField()
    label = serializers.CharField(help_text='As a page shows it: "Industry: Software".')
    level = serializers.CharField(help_text="The value as learned (`other`: pooled rare values).")
    points = serializers.FloatField(help_text="Fit points this value adds (or takes away).")


class FitSerializer(serializers.Serializer):
    """A fit with its explanation: base + Σ contributions = the learned fit (up to rounding)."""

    fit = serializers.IntegerField(allow_null=True, help_text="0–100; what scoring reads.")
    source = serializers.CharField(help_text="`learned`, `manual` (set by hand) or empty.")
    source_label = serializers.CharField()
    learned = serializers.IntegerField(allow_null=True)
    base = serializers.FloatField(
        allow_null=True, help_text="The typical example's fit, where the contributions start."
    )
    contributions = ContributionSerializer(many=True)
    model_version = serializers.IntegerField(allow_null=True)


def fit_context_of(serializer: serializers.Serializer) -> selectors.FitContext:
    """The active model and persona names, read once per answer (lists included)."""
    context = serializer.context
    if "fit_context" not in context:
        context["fit_context"] = selectors.fit_context()
    return context["fit_context"]


def fit_data(serializer: serializers.Serializer, explained: selectors.FitExplanation) -> dict:
    """`explained` as `FitSerializer` renders it, through one `FitSerializer` per answer:
    building its fields anew for each row cost a list more than the rest of the row."""
    context = serializer.context
    if "fit_serializer" not in context:
        context["fit_serializer"] = FitSerializer()
    return context["fit_serializer"].to_representation(explained)
