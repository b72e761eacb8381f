"""factory_boy factories, one module per app; import them from here."""

from tests.factories.accounts import AccountFactory, ContactFactory
from tests.factories.campaigns import CampaignFactory
from tests.factories.content import AssetFactory, AssetShareFactory, EnablementRequestFactory
from tests.factories.engagement import EventFactory, SignalRuleFactory
from tests.factories.journeys import JourneyFactory, JourneyStageFactory, StageTransitionFactory
from tests.factories.nurture import EnrollmentFactory, SequenceFactory, StepFactory, TouchFactory
from tests.factories.personas import PersonaFactory
from tests.factories.pipeline import OpportunityFactory, PipelineStageFactory, StageChangeFactory
from tests.factories.users import UserFactory

__all__ = [
    "AccountFactory",
    "AssetFactory",
    "AssetShareFactory",
    "CampaignFactory",
    "ContactFactory",
    "EnablementRequestFactory",
    "EnrollmentFactory",
    "EventFactory",
    "JourneyFactory",
    "JourneyStageFactory",
    "OpportunityFactory",
    "PersonaFactory",
    "PipelineStageFactory",
    "SequenceFactory",
    "SignalRuleFactory",
    "StageChangeFactory",
    "StageTransitionFactory",
    "StepFactory",
    "TouchFactory",
    "UserFactory",
]
