from apps.accounts.models import Account, Contact
from apps.campaigns.models import Campaign
from apps.content.models import Asset, AssetShare, EnablementRequest
from apps.demo import world
from apps.enablement.models import DealObjection
from apps.engagement.models import Event, SignalRule
from apps.journeys.models import Journey, JourneyStage, StageTransition
from apps.nurture.models import Sequence, Step
from apps.personas.models import Persona
from apps.pipeline.models import Opportunity, PipelineStage, StageChange
from apps.users.models import User

# What the seed summary counts, in the order it is printed.
COUNTED_MODELS = {
    "users": User,
    "personas": Persona,
    "journeys": Journey,
    "journey stages": JourneyStage,
    "stage transitions": StageTransition,
    "pipeline stages": PipelineStage,
    "accounts": Account,
    "contacts": Contact,
    "opportunities": Opportunity,
    "stage changes": StageChange,
    "assets": Asset,
    "campaigns": Campaign,
    "events": Event,
    "signal rules": SignalRule,
    "sequences": Sequence,
    "sequence steps": Step,
    "deal objections": DealObjection,
    "asset shares": AssetShare,
    "enablement requests": EnablementRequest,
}


def demo_world_exists() -> bool:
    """The demo's marketer is written in the same transaction as everything else, so it marks a
    complete demo world."""
    return User.objects.filter(
        username=world.MARKETER, email=f"{world.MARKETER}@{world.EMAIL_DOMAIN}"
    ).exists()


def demo_world_counts() -> dict[str, int]:
    return {label: model.objects.count() for label, model in COUNTED_MODELS.items()}
