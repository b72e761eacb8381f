from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

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

if TYPE_CHECKING:
    from apps.engagement.calibration import History

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


def demo_calibration_history(*, today: date | None = None) -> "History":
    """The calibration the demo world's history is built to support (`world.CALIBRATION`),
    counted back from midnight UTC of `today` as the seed counts its times."""
    from apps.engagement.calibration import History  # scikit-learn: not on a page's path

    anchor = datetime.combine(today or timezone.now().date(), time.min, tzinfo=UTC)
    days = world.CALIBRATION
    return History(
        start=anchor - timedelta(days=days["start"]),
        end=anchor - timedelta(days=days["end"]),
        horizon_days=days["horizon"],
        outcome="opportunity_created",
        cutoffs=days["cutoffs"],
    )
