from rest_framework import serializers

from apps.accounts.models import Account
from apps.campaigns.models import Campaign, Channel
from apps.personas.models import BuyingRole


def _choice_list(choices, help_text: str, *, required: bool = False) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choices),
        required=required,
        allow_empty=not required,
        help_text=help_text,
    )


def _text_list(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, help_text=help_text
    )


class CampaignSerializer(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner", read_only=True)
    journey = serializers.IntegerField(
        source="goal_stage.journey_id", read_only=True, help_text="The goal stage's journey."
    )
    goal_stage_name = serializers.CharField(source="goal_stage", read_only=True)
    phase = serializers.CharField(source="goal_stage.phase", read_only=True)
    channels = _choice_list(Channel.choices, "Where the campaign runs.", required=True)
    segment_tiers = _choice_list(Account.Tier.choices, "Account tiers; empty: any.")
    segment_industries = _text_list("Account industries; empty: any.")
    segment_regions = _text_list("Account regions; empty: any.")
    segment_buying_roles = _choice_list(
        BuyingRole.choices, "Contacts in these buying roles (or of the personas); empty: any."
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "owner",
            "owner_name",
            "journey",
            "goal_stage",
            "goal_stage_name",
            "phase",
            "objective",
            "kpi",
            "kpi_target",
            "kpi_baseline",
            "channels",
            "cadence",
            "assets",
            "start_date",
            "end_date",
            "budget",
            "actual_spend",
            "utm_code",
            "status",
            "segment_tiers",
            "segment_industries",
            "segment_regions",
            "segment_stages",
            "segment_fit_score_min",
            "segment_fit_score_max",
            "segment_personas",
            "segment_buying_roles",
            "created_at",
            "updated_at",
        ]
        # Status moves through the `status` action, along its flow.
        read_only_fields = ["status"]
        extra_kwargs = {
            "owner": {"required": False, "help_text": "Defaults to the requester."},
            "assets": {"required": False},
            "segment_stages": {"required": False},
            "segment_personas": {"required": False},
        }


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Campaign.Status.choices)


class PlanningFindingSerializer(serializers.Serializer):
    check = serializers.CharField(help_text="Which planning check found it.")
    field = serializers.CharField(help_text="The campaign field it is about.")
    message = serializers.CharField()
    blocks = serializers.BooleanField(help_text="True: saving refuses it.")


class FactSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)


class KpiProgressSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    definition = serializers.CharField()
    unit = serializers.CharField()
    lower_is_better = serializers.BooleanField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    baseline = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    share = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="How far from the baseline (or zero) to the target; 1 means met.",
    )
    met = serializers.BooleanField()
    facts = serializers.SerializerMethodField()

    def get_facts(self, progress) -> list[dict]:
        return FactSerializer(
            [{"label": label, "value": value} for label, value in progress.facts], many=True
        ).data
